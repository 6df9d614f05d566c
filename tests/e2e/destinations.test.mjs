// End to end, the patient's record as pages a person finds their way in: the tab bar's
// destinations (home, documents and a document's own page, health, sharing, account), each at
// its own address, walked on a 320 px phone and a 768 px tablet with the back button, axe-core at
// each step and a screenshot attached to the test's output when a step fails. The documents come
// a page at a time; allergies are one tap from the home page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { deposit, openPage, pageHelpers, root, tab, useServerAndBrowser } from './server.mjs';

const PASSWORD = 'les quais de Saint-Malo';
const DOCUMENTS = 45;
const env = useServerAndBrowser({ before, after });
const { hydrated, assertAccessible, signUp, logIn, addEntries } = pageHelpers(env);
const artifacts = join(root, 'tests/e2e/artifacts');

// Runs one step; when it fails, the page as it was is saved and its path printed with the test's
// output, then the failure goes on.
async function step(t, page, name, body) {
  try {
    await body();
  } catch (error) {
    mkdirSync(artifacts, { recursive: true });
    const path = join(artifacts, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => {});
    t.diagnostic(`screenshot of the failed step "${name}": ${path}`);
    throw error;
  }
}

const path = (page) => { const url = new URL(page.url()); return url.pathname + url.search; };

test('a patient finds their allergies from the home page in one tap', async (t) => {
  await signUp('maelle.guivarch@example.fr', 'Maëlle', 'Guivarc\'h', PASSWORD);
  const { context, page, problems } = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  await logIn(page, 'maelle.guivarch@example.fr', PASSWORD);
  await addEntries(page, [
    { section: 'allergy', substance: 'Pénicilline', reaction: 'œdème de Quincke', severity: 'severe' },
    { section: 'treatment', substance: 'Lévothyroxine', dose: '75 µg le matin' },
  ]);
  await hydrated(page, '/dossier');
  await step(t, page, 'allergies in one tap', async () => {
    await page.getByRole('link', { name: 'Mes allergies' }).click();
    const profile = page.getByRole('region', { name: 'Profil de santé' });
    await profile.getByText('Pénicilline').waitFor();
    // Only the allergies: the treatment is a tap on its own section away.
    assert.equal(await profile.getByText('Lévothyroxine').count(), 0);
    assert.equal(path(page), '/dossier/sante?rubrique=allergies');
    assert.equal(await page.getByRole('link', { name: 'Allergies' }).getAttribute('aria-current'), 'page');
    await assertAccessible(page, 'allergies alone');
  });
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [device, viewport] of Object.entries({ phone: { width: 320, height: 640 }, tablet: { width: 768, height: 1024 } })) {
  test(`every destination, by the tab bar and the back button, on a ${device} (${viewport.width} px)`, async (t) => {
    const contact = `yannick.${device}@example.fr`;
    await signUp(contact, 'Yannick', 'Le Bihan', PASSWORD);
    const { context, page, problems } = await openPage(env.browser, viewport, { httpErrors: false });
    await logIn(page, contact, PASSWORD);
    const record = await addEntries(page, [{ section: 'allergy', substance: 'Arachide', reaction: 'urticaire', severity: 'moderate' }]);
    // One a day, the newest the last.
    for (let i = 1; i <= DOCUMENTS; i++) {
      const day = new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      assert.equal(await deposit(page, '/api/account/me', record, `Relevé n° ${i}`, 'patient_own', null, day), 201);
    }

    await step(t, page, `${device} home`, async () => {
      await tab(page, 'Accueil').click();
      await page.getByRole('heading', { name: 'Dossier de Yannick Le Bihan', level: 1 }).waitFor();
      // The newest documents first, three of them.
      const recent = page.getByRole('region', { name: 'Derniers documents' }).locator('.document-row__title');
      await recent.first().waitFor();
      assert.deepEqual(await recent.allTextContents(), ['Relevé n° 45', 'Relevé n° 44', 'Relevé n° 43']);
      assert.equal(await tab(page, 'Accueil').getAttribute('aria-current'), 'page');
      await assertAccessible(page, `${device}: home`);
    });

    await step(t, page, `${device} documents, a page at a time`, async () => {
      await tab(page, 'Documents').click();
      await page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
      const rows = page.locator('.document-row__title');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 20);
      assert.equal(await rows.first().textContent(), 'Relevé n° 45');
      await page.getByText('Page 1 sur 3').waitFor();
      await assertAccessible(page, `${device}: documents, first page`);
      await page.getByRole('link', { name: 'Page suivante' }).click();
      await page.getByText('Page 2 sur 3').waitFor();
      assert.equal(await rows.first().textContent(), 'Relevé n° 25');
      await page.getByRole('link', { name: 'Page suivante' }).click();
      await page.getByText('Page 3 sur 3').waitFor();
      assert.equal(await rows.count(), 5);
      assert.equal(path(page), '/dossier/documents?page=3');
      // Back: the previous page of the list.
      await page.goBack();
      await page.getByText('Page 2 sur 3').waitFor();
      assert.equal(path(page), '/dossier/documents?page=2');
    });

    await step(t, page, `${device} a document's page`, async () => {
      await page.getByRole('link', { name: 'Relevé n° 24', exact: true }).click();
      await page.getByRole('heading', { name: 'Relevé n° 24' }).waitFor();
      assert.match(path(page), /^\/dossier\/documents\/[^/?]+\?page=2$/);
      await page.getByRole('link', { name: 'Télécharger' }).waitFor();
      const list = page.locator('.split__list');
      if (viewport.width >= 768) {
        // Side by side: the list stays, the open document marked in it.
        assert.ok(await list.isVisible(), 'the list beside the document');
        assert.equal(await list.getByRole('link', { name: 'Relevé n° 24', exact: true }).getAttribute('aria-current'), 'true');
      } else {
        assert.ok(!(await list.isVisible()), 'the document alone on a phone');
      }
      await assertAccessible(page, `${device}: a document's page`);
      await page.goBack();
      await page.getByText('Page 2 sur 3').waitFor();
      assert.equal(path(page), '/dossier/documents?page=2');
    });

    await step(t, page, `${device} a document's page from its address alone`, async () => {
      // The oldest, on the list's last page: the server reads it alone for its page.
      const oldest = await page.evaluate(async (record) => {
        const last = await (await fetch(`/api/records/${record}/documents/pages/3`)).json();
        return last.documents.at(-1).id;
      }, record);
      await hydrated(page, `/dossier/documents/${oldest}`);
      await page.getByRole('heading', { name: 'Relevé n° 1', exact: true }).waitFor();
      await page.getByRole('link', { name: 'Télécharger' }).waitFor();
      await assertAccessible(page, `${device}: a document's page from its address`);
    });

    await step(t, page, `${device} health`, async () => {
      await tab(page, 'Santé').click();
      await page.getByRole('heading', { name: 'Santé', level: 1 }).waitFor();
      await page.getByRole('region', { name: 'Profil de santé' }).getByText('Arachide').waitFor();
      await page.getByRole('region', { name: 'Chronologie' }).waitFor();
      await assertAccessible(page, `${device}: health`);
    });

    await step(t, page, `${device} sharing`, async () => {
      await tab(page, 'Partage').click();
      await page.getByRole('heading', { name: 'Partage', level: 1 }).waitFor();
      await page.getByRole('heading', { name: 'Qui peut voir mon dossier' }).waitFor();
      await page.getByRole('region', { name: 'Historique des accès' }).waitFor();
      await page.getByLabel('Je refuse que mon dossier soit ouvert en urgence (bris de glace)').waitFor();
      await assertAccessible(page, `${device}: sharing`);
      // Back: health again.
      await page.goBack();
      await page.getByRole('heading', { name: 'Santé', level: 1 }).waitFor();
      await page.goForward();
      await page.getByRole('heading', { name: 'Partage', level: 1 }).waitFor();
    });

    await step(t, page, `${device} account`, async () => {
      await tab(page, 'Compte').click();
      await page.getByRole('heading', { name: 'Bonjour Yannick', level: 1 }).waitFor();
      await page.getByRole('region', { name: 'Mon dossier sans réseau' }).waitFor();
      await assertAccessible(page, `${device}: account`);
    });

    await step(t, page, `${device} in English`, async () => {
      await page.getByRole('button', { name: 'Switch to English' }).click();
      const tabs = page.getByRole('navigation', { name: 'My record' });
      assert.deepEqual(await tabs.getByRole('link').allTextContents(), ['Home', 'Documents', 'Health', 'Sharing', 'Account']);
      await tabs.getByRole('link', { name: 'Documents' }).click();
      await page.getByText('Page 1 of 3').waitFor();
      await assertAccessible(page, `${device}: documents in English`);
      await page.getByRole('button', { name: 'Passer en français' }).click();
    });
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('the professional\'s view of a record, its documents and its health pages, on a phone and a tablet', async (t) => {
  const { me, auth } = await env.server.signUpPatient('gwenaelle.pro@example.fr', PASSWORD);
  const record = `/api/records/${me.id}`;
  // Dr Martin, with her card (which imports the directory the grant names her from).
  const [name, value] = (await env.server.cardSession('10000000009', '2468')).split('=');
  await env.server.call('PUT', `${record}/grants/10000000009`, { scope: 'all' }, auth);
  await env.server.call('POST', `${record}/profile`,
    { entry: { section: 'allergy', substance: 'Arachide', reaction: 'urticaire', severity: 'moderate' } }, auth);
  for (let n = 1; n <= 3; n++) await env.server.depositNote(auth, me.id, n);
  for (const [device, viewport] of Object.entries({ phone: { width: 320, height: 640 }, tablet: { width: 768, height: 1024 } })) {
    const { context, page, problems } = await openPage(env.browser, viewport, { httpErrors: false });
    await context.addCookies([{ name, value, url: env.server.url }]);
    const parts = page.getByRole('navigation', { name: 'Parties du dossier' });

    await step(t, page, `professional ${device} documents`, async () => {
      await hydrated(page, '/pro');
      await page.getByRole('link', { name: 'Jeanne Martin' }).click();
      await page.getByRole('heading', { name: 'Jeanne Martin', level: 1 }).waitFor();
      assert.equal(path(page), `/pro/dossier/${me.id}/documents`);
      assert.equal(await parts.getByRole('link', { name: 'Documents' }).getAttribute('aria-current'), 'page');
      await page.locator('.document-row__title', { hasText: 'Compte rendu 3' }).waitFor();
      // The deposit form comes with its code when opened; the focus goes to its file.
      await page.getByRole('button', { name: 'Ajouter un document', exact: true }).click();
      await page.getByRole('form', { name: 'Ajouter un document' }).waitFor();
      await page.waitForFunction(() => document.activeElement?.id === 'file');
      // Its own page: the health profile's code is not loaded here.
      assert.equal(await page.getByRole('region', { name: 'Profil de santé' }).count(), 0);
      await assertAccessible(page, `professional ${device}: documents`);
    });

    await step(t, page, `professional ${device} a document's page`, async () => {
      await page.getByRole('link', { name: 'Compte rendu 2', exact: true }).click();
      await page.getByRole('heading', { name: 'Compte rendu 2', level: 2 }).waitFor();
      assert.match(path(page), new RegExp(`^/pro/dossier/${me.id}/documents/[^/?]+$`));
      await page.getByRole('link', { name: 'Télécharger' }).waitFor();
      // Its actions: opened in the page, as the server sends it to this professional.
      await page.getByRole('button', { name: 'Ouvrir « Compte rendu 2 »' }).click();
      await page.frameLocator('iframe.viewer__frame').getByText('Tension 12/8, poids stable.').waitFor();
      const list = page.locator('.split__list');
      if (viewport.width >= 768) {
        assert.ok(await list.isVisible(), 'the list beside the document');
        assert.equal(await list.getByRole('link', { name: 'Compte rendu 2', exact: true }).getAttribute('aria-current'), 'true');
      } else {
        assert.ok(!(await list.isVisible()), 'the document alone on a phone');
      }
      await assertAccessible(page, `professional ${device}: a document's page`);
      await page.goBack();
      await page.locator('.document-row__title', { hasText: 'Compte rendu 3' }).waitFor();
      assert.equal(path(page), `/pro/dossier/${me.id}/documents`);
    });

    await step(t, page, `professional ${device} health`, async () => {
      await parts.getByRole('link', { name: 'Santé' }).click();
      await page.getByRole('region', { name: 'Profil de santé' }).getByText('Arachide').waitFor();
      await page.getByRole('region', { name: 'Chronologie' }).waitFor();
      await page.getByRole('region', { name: 'Historique des accès' }).waitFor();
      assert.equal(path(page), `/pro/dossier/${me.id}/sante`);
      assert.equal(await parts.getByRole('link', { name: 'Santé' }).getAttribute('aria-current'), 'page');
      await assertAccessible(page, `professional ${device}: health`);
      // Back: the documents again.
      await page.goBack();
      await page.locator('.document-row__title', { hasText: 'Compte rendu 3' }).waitFor();
      assert.equal(path(page), `/pro/dossier/${me.id}/documents`);
    });
    assert.deepEqual(problems, []);
    await context.close();
  }
});
