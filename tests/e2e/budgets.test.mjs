// What a first visit to each page costs in bytes: a fresh browser context (empty HTTP cache, no
// service worker), the page opened until its own content is on screen and the network is quiet,
// every response's transferred bytes (headers and compressed bodies) added up from Chromium's
// own network events. Bytes are deterministic, unlike times (those are `scripts/bench-pages.mjs`'s),
// so the test command fails when a page grows past its budget in `tests/e2e/budgets.json`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pageHelpers, useServerAndBrowser, waitForHydration } from './server.mjs';

const budgets = JSON.parse(readFileSync(new URL('./budgets.json', import.meta.url), 'utf8'));
const env = useServerAndBrowser({ before: test.before, after: test.after });
const { signUp, logIn } = pageHelpers(env);
const PASSWORD = 'phare du bout du monde';

// The bytes a first visit to `path` transfers, once `ready` says its content is there.
async function firstVisit(browser, cookies, path, ready) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', serviceWorkers: 'block' });
  await context.addCookies(cookies);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (event) => { bytes += event.encodedDataLength; requests += 1; });
  await page.goto(env.server.url + path);
  await waitForHydration(page);
  await ready(page);
  // Then Playwright's own signal that nothing more is loading (no request for half a second):
  // the lazy chunks and the data a page fetches once shown are counted too.
  await page.waitForLoadState('networkidle');
  await context.close();
  return { bytes, requests };
}

test('no page transfers more than its budget on a first visit', async () => {
  await signUp('budget@example.fr', 'Jeanne', 'Martin', PASSWORD);
  const context = await env.browser.newContext({ locale: 'fr-FR', serviceWorkers: 'block' });
  const page = await context.newPage();
  await logIn(page, 'budget@example.fr', PASSWORD);
  const cookies = await context.cookies();
  // The professional's pages: Dr Martin (from the directory her card login imports), granted
  // the record, logged in with her card.
  const [name, value] = (await env.server.cardSession('10000000009', '2468')).split('=');
  const proCookies = [{ name, value, url: env.server.url }];
  const me = await page.evaluate(() => fetch('/api/account/me').then((answer) => answer.json()));
  const granted = await page.evaluate(({ id, csrf }) => fetch(`/api/records/${id}/grants/${'10000000009'}`, {
    method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ scope: 'all' }),
  }).then((answer) => answer.status), { id: me.id, csrf: me.csrf_token });
  assert.ok(granted < 300, `grant: ${granted}`);
  await context.close();

  const pages = {
    '/': async (p) => p.getByRole('heading', { level: 1 }).waitFor(),
    '/connexion': async (p) => p.getByRole('button', { name: 'Continuer' }).waitFor(),
    '/dossier': async (p) => p.getByRole('region', { name: 'Derniers documents' }).waitFor(),
    '/dossier/documents': async (p) => p.getByRole('search', { name: 'Chercher dans les documents' }).waitFor(),
    '/dossier/sante': async (p) => p.getByRole('region', { name: 'Chronologie' }).waitFor(),
    '/dossier/partage': async (p) => p.getByRole('region', { name: 'Historique des accès' }).waitFor(),
    '/dossier/soins': async (p) => p.getByRole('region', { name: 'Identifiant national de santé (INS)' }).waitFor(),
    '/mon-compte': async (p) => p.getByRole('region', { name: 'Mon dossier sans réseau' }).waitFor(),
    '/dossier/urgence': async (p) => p.getByRole('heading', { level: 1 }).waitFor(),
    '/pro': async (p) => p.getByRole('heading', { name: 'Anne Martin' }).waitFor(),
    '/pro/dossier/:id/documents': async (p) => p.getByRole('button', { name: 'Ajouter un document', exact: true }).waitFor(),
    '/pro/dossier/:id/sante': async (p) => p.getByRole('region', { name: 'Chronologie' }).waitFor(),
    '/pro/dossier/:id/soins': async (p) => p.getByRole('region', { name: 'Identifiant national de santé (INS)' }).waitFor(),
  };
  assert.deepEqual(Object.keys(pages).sort(), Object.keys(budgets.pages).sort(), 'every page has a budget');
  const over = [];
  for (const [path, ready] of Object.entries(pages)) {
    const asker = path === '/connexion' ? [] : path.startsWith('/pro') ? proCookies : cookies;
    const { bytes, requests } = await firstVisit(env.browser, asker, path.replace(':id', me.id), ready);
    const budget = budgets.pages[path] * 1024;
    console.log(`${path}: ${Math.round(bytes / 1024)} KiB in ${requests} requests (budget ${budgets.pages[path]} KiB)`);
    if (bytes > budget) over.push(`${path}: ${Math.round(bytes / 1024)} KiB > ${budgets.pages[path]} KiB`);
  }
  assert.deepEqual(over, [], 'pages over their first-visit budget');
});
