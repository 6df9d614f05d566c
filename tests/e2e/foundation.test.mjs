// End to end: the real server, real headless Chromium. The page must render on the server,
// hydrate from WebAssembly, switch language (which only works once the wasm runs), remember
// the choice, and pass axe-core's WCAG 2.1 AA rules on a phone, a tablet and a desktop.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { axeViolations, openPage as open, root, useServerAndBrowser, waitForHydration } from './server.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const artifacts = join(root, 'tests/e2e/artifacts');
mkdirSync(artifacts, { recursive: true });

const viewports = {
  phone: { width: 320, height: 640 },
  tablet: { width: 768, height: 1024 },
  desktop: { width: 1280, height: 800 },
};

const env = useServerAndBrowser({ before, after });

after(() => assert.equal(env.exitCode, 0, 'the server shuts down cleanly on SIGTERM'));

const openPage = (viewport) => open(env.browser, viewport);

test('home page hydrates on a 320 px phone and the language switch works and is remembered', async () => {
  const { context, page, problems } = await openPage(viewports.phone);
  const response = await page.goto(env.server.url + '/');
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}' 'wasm-unsafe-eval'/);

  // Server-rendered French, even though the browser asks for English.
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  assert.match(await page.textContent('h1'), /Votre dossier médical partagé/);
  await waitForHydration(page);

  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('Your shared medical record'));
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.title(), 'Home · Carnet');

  // Client-side navigation keeps the language; the page and title follow.
  await page.getByRole('link', { name: 'Privacy' }).click();
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('How Carnet protects'));
  assert.equal(await page.title(), 'Privacy · Carnet');

  // The choice survives a reload: the server renders English from the cookie.
  const reloaded = await page.reload();
  assert.match(await reloaded.text(), /<html lang="en"/);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Passer en français' }).click();
  await page.waitForFunction(() => document.documentElement.lang === 'fr');

  await page.screenshot({ path: join(artifacts, 'home-phone.png'), fullPage: true });
  assert.deepEqual(problems, [], 'no console errors, CSP violations or failed requests');
  await context.close();
});

for (const [name, viewport] of Object.entries(viewports)) {
  test(`pages meet WCAG 2.1 AA and fit the screen on a ${name} (${viewport.width} px)`, async () => {
    const { context, page, problems } = await openPage(viewport);
    for (const path of ['/', '/confidentialite', '/page-inexistante', '/erreur']) {
      await page.goto(env.server.url + path);
      await waitForHydration(page);
      assert.deepEqual(await axeViolations(page, axeSource), [], `axe violations on ${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow} px`);
    }
    // English too: the other half of every text.
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.deepEqual(await axeViolations(page, axeSource), [], 'axe violations in English');
    await page.screenshot({ path: join(artifacts, `a11y-${name}.png`) });
    // The not-found and error pages answer 404 and 500 on purpose; the browser logs those.
    assert.deepEqual(problems.filter((p) => !/status of (404|500)/.test(p)), []);
    await context.close();
  });
}

test('unknown pages answer 404 with the translated not-found page', async () => {
  const { context, page } = await openPage(viewports.phone);
  const response = await page.goto(env.server.url + '/nulle-part');
  assert.equal(response.status(), 404);
  assert.match(await page.textContent('h1'), /Cette page n'existe pas/);
  await waitForHydration(page);
  await page.getByRole('link', { name: "Retour à l'accueil" }).click();
  await page.waitForFunction(() => location.pathname === '/');
  await context.close();
});
