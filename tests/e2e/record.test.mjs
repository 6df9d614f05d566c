// End to end: a patient adds a document of their own (with progress), grants a physician access
// to their reports; the physician, logged in with the card, deposits a PDF report; the patient
// reads it back, byte for byte. Phone and tablet sizes, accessibility checked at every step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPage, pageHelpers, root, tab, useServerAndBrowser } from './server.mjs';

const PASSWORD = 'marée basse à Étretat';
const PIN = '2468';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

const env = useServerAndBrowser({ before, after });

const { hydrated, assertAccessible, signUp, logIn } = pageHelpers(env);

async function patientSession(contact) {
  await signUp(contact, 'Jeanne', 'Leclerc', PASSWORD);
  const opened = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  await logIn(opened.page, contact, PASSWORD);
  return opened;
}

test('a patient grants a physician, who deposits a PDF report the patient reads back', async () => {
  env.server.command(['directory', 'import', join(root, 'demo/directory.json')]);
  const card = join(env.server.dataDir, 'card.json');
  env.server.command(['card', 'issue', '--rpps', '10000000009', '--out', card], { env: { CARNET_CARD_PIN: PIN } });

  const patient = await patientSession('jeanne.leclerc@example.fr');
  const { page } = patient;
  await tab(page, 'Accueil').click();
  await page.getByRole('heading', { name: 'Dossier de Jeanne Leclerc' }).waitFor();
  await page.getByText('Aucun document pour l\'instant.').waitFor();
  await assertAccessible(page, 'empty record');

  // A document of her own, sent in chunks with its progress.
  await tab(page, 'Documents').click();
  await page.getByText('Ajouter un document ou une note').click();
  const note = 'Tension du matin : 12/8.\n'.repeat(40_000);
  await page.getByLabel('Fichier', { exact: true }).setInputFiles({ name: 'tension.txt', mimeType: 'text/plain', buffer: Buffer.from(note) });
  await page.getByLabel('Titre', { exact: true }).fill('Relevés de tension');
  await page.getByLabel('Date des soins').fill('2026-11-20');
  await page.getByRole('button', { name: 'Ajouter le document' }).click();
  await page.getByText('Document ajouté.').waitFor();
  await page.getByRole('link', { name: 'Relevés de tension' }).waitFor();
  await assertAccessible(page, 'record with a document');

  // Access for Dr Anne Martin, reports only.
  await tab(page, 'Partage').click();
  await page.getByLabel('Nom ou numéro RPPS').fill('anne martin');
  await page.getByRole('button', { name: 'Chercher' }).click();
  await page.getByRole('button', { name: 'Choisir Anne Martin' }).click();
  await page.getByLabel('certaines catégories').check();
  await page.getByLabel('Comptes rendus').check();
  await page.getByRole('button', { name: 'Donner l\'accès' }).click();
  await page.getByText('Accès : Comptes rendus').waitFor();
  await assertAccessible(page, 'access given');

  // The physician, on a tablet.
  const pro = await openPage(env.browser, { width: 768, height: 1024 }, { httpErrors: false });
  await hydrated(pro.page, '/pro/connexion');
  await pro.page.getByLabel('Fichier de la carte').setInputFiles(card);
  await pro.page.getByLabel('Code PIN de la carte').fill(PIN);
  await pro.page.getByRole('button', { name: 'Se connecter avec la carte' }).click();
  await pro.page.waitForURL('**/pro');
  await pro.page.getByRole('link', { name: 'Jeanne Leclerc' }).click();
  await pro.page.getByRole('heading', { name: 'Jeanne Leclerc' }).waitFor();
  // Her own document is not a report: the physician does not see it.
  await pro.page.getByText('Aucun document pour l\'instant.').waitFor();
  await assertAccessible(pro.page, 'patient record for the physician');
  await pro.page.getByRole('button', { name: 'Ajouter un document', exact: true }).click();
  await pro.page.getByLabel('Fichier').setInputFiles({ name: 'cr.pdf', mimeType: 'application/pdf', buffer: PDF });
  await pro.page.getByLabel('Titre').fill('Compte rendu de consultation');
  // Her grant covers reports only: the form offers that one category, so asks nothing.
  assert.equal(await pro.page.getByLabel('Catégorie', { exact: true }).count(), 0);
  await pro.page.getByLabel('Date des soins').fill('2026-11-24');
  await pro.page.getByLabel('Code de type (LOINC, facultatif)').fill('11488-4');
  await pro.page.getByRole('button', { name: 'Ajouter le document' }).click();
  await pro.page.getByText('Document ajouté.').waitFor();
  await pro.page.locator('.document-row__title', { hasText: 'Compte rendu de consultation' }).waitFor();
  await assertAccessible(pro.page, 'report deposited');
  assert.deepEqual(pro.problems, []);
  await pro.context.close();

  // The patient reads it back, byte for byte, from the document's own page.
  await hydrated(page, '/dossier/documents');
  await page.getByRole('link', { name: 'Compte rendu de consultation' }).click();
  await page.getByRole('heading', { name: 'Compte rendu de consultation' }).waitFor();
  const report = page.locator('.document', { hasText: 'Compte rendu de consultation' });
  await report.getByText('Anne Martin').waitFor();
  const href = await report.getByRole('link', { name: 'Télécharger' }).getAttribute('href');
  const bytes = await page.evaluate(async (url) => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer())), href);
  assert.deepEqual(Buffer.from(bytes), PDF);
  await report.getByRole('button', { name: 'Ouvrir « Compte rendu de consultation »' }).click();
  await page.locator('iframe.viewer__frame').waitFor();
  // Served sandboxed, the PDF still opens in Chromium's own viewer (its frame appears).
  const viewer = async () => page.frames().some((frame) => frame.url().startsWith('chrome-extension://'));
  for (let tries = 0; !(await viewer()); tries++) {
    assert.ok(tries < 100, 'the PDF viewer never opened');
    await page.waitForEvent('frameattached', { timeout: 10_000 });
  }
  // Read, she closes it. (Chromium's viewer takes the focus, and scrolls to itself, whenever it
  // has loaded: typing elsewhere while it loads loses the typing, so she closes it first.)
  await page.getByRole('button', { name: 'Fermer le document' }).click();
  await page.locator('iframe.viewer__frame').waitFor({ state: 'detached' });

  // Back to the list: search finds a word that is only in the text of her own document, not in
  // its title.
  await page.getByRole('link', { name: 'Tous les documents' }).click();
  const rows = page.locator('.document-row__title');
  await rows.nth(1).waitFor();
  await page.getByLabel('Rechercher un document').fill('MATIN');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.document-row__title').length === 1);
  assert.deepEqual(await rows.allTextContents(), ['Relevés de tension']);
  await assertAccessible(page, 'a search');
  await page.getByRole('button', { name: 'Tout afficher' }).click();
  await rows.nth(1).waitFor();
  // The timeline (on the health page) shows both documents, newest care first.
  await tab(page, 'Santé').click();
  const timeline = page.getByRole('region', { name: 'Chronologie' });
  await timeline.getByText('2 sur 2').waitFor();
  const titles = await timeline.locator('.timeline__what').allTextContents();
  assert.deepEqual(titles, ['Compte rendu de consultation', 'Relevés de tension']);
  await assertAccessible(page, 'timeline');
  assert.deepEqual(patient.problems, []);
  await patient.context.close();
});
