// End to end, who sees what: a patient grants a nurse two categories and the nurse sees exactly
// those; the patient previews the nurse's view; a document the patient masks disappears from the
// nurse's next request while the regular doctor still sees it; a physician without any grant
// opens the record in an emergency (break-glass) and the patient sees the notification and the
// reason. Phone (patient) and tablet (professionals) sizes, accessibility checked at every step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { deposit, openPage, pageHelpers, root, tab, useServerAndBrowser } from './server.mjs';

const PASSWORD = 'marée basse à Étretat';
const PIN = '2468';
const DOCTOR = '10000000009';     // Anne Martin, physician
const NURSE = '10004567896';      // Thomas Petit, nurse
const EMERGENCY = '10005678908';  // Claire Lefebvre, physician, no grant

const env = useServerAndBrowser({ before, after });
const { hydrated, assertAccessible, signUp, logIn } = pageHelpers(env);

async function proLogin(card) {
  const opened = await openPage(env.browser, { width: 768, height: 1024 }, { httpErrors: false });
  await hydrated(opened.page, '/pro/connexion');
  await opened.page.getByLabel('Fichier de la carte').setInputFiles(card);
  await opened.page.getByLabel('Code PIN de la carte').fill(PIN);
  await opened.page.getByRole('button', { name: 'Se connecter avec la carte' }).click();
  await opened.page.waitForURL('**/pro');
  return opened;
}

const titles = async (page) => page.locator('.document-row__title').allTextContents();

test('grants, preview, mask and break-glass, as each person sees them', async () => {
  env.server.command(['directory', 'import', join(root, 'demo/directory.json')]);
  const cards = {};
  for (const rpps of [DOCTOR, NURSE, EMERGENCY]) {
    cards[rpps] = join(env.server.dataDir, `card-${rpps}.json`);
    env.server.command(['card', 'issue', '--rpps', rpps, '--out', cards[rpps]], { env: { CARNET_CARD_PIN: PIN } });
  }

  await signUp('louise.bernard@example.fr', 'Louise', 'Bernard', PASSWORD);
  const patient = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  const { page } = patient;
  await logIn(page, 'louise.bernard@example.fr', PASSWORD);
  const record = await page.evaluate(async () => (await (await fetch('/api/account/me')).json()).id);
  assert.equal(await deposit(page, '/api/account/me', record, 'Journal de tension', 'patient_own'), 201);
  // The whole record for Dr Martin (through the API; the form is tested below with the nurse).
  await page.evaluate(async ({ record, rpps }) => {
    const { csrf_token: csrf } = await (await fetch('/api/account/me')).json();
    await fetch(`/api/records/${record}/grants/${rpps}`, {
      method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ scope: 'all' }),
    });
  }, { record, rpps: DOCTOR });

  // Dr Martin deposits a report and a prescription.
  const doctor = await proLogin(cards[DOCTOR]);
  assert.equal(await deposit(doctor.page, '/api/pro/me', record, 'Compte rendu de consultation', 'reports'), 201);
  assert.equal(await deposit(doctor.page, '/api/pro/me', record, 'Ordonnance de sortie', 'prescriptions'), 201);
  assert.equal(await deposit(doctor.page, '/api/pro/me', record, 'HbA1c de septembre', 'lab_results', '4548-4', '2026-09-01'), 201);
  // A second HbA1c within three months: the form names the first one before sending.
  await hydrated(doctor.page, `/pro/dossier/${record}/documents`);
  await doctor.page.getByRole('button', { name: 'Ajouter un document', exact: true }).click();
  const depositForm = doctor.page.getByRole('form', { name: 'Ajouter un document' });
  await depositForm.getByLabel('Fichier').setInputFiles({ name: 'hba1c.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
  await depositForm.getByLabel('Titre').fill('HbA1c de novembre');
  await depositForm.getByLabel('Catégorie', { exact: true }).selectOption('lab_results');
  await depositForm.getByLabel('Date des soins').fill('2026-11-20');
  await depositForm.getByLabel('Code de type (LOINC, facultatif)').fill('4548-4');
  await depositForm.getByRole('button', { name: 'Ajouter le document' }).click();
  await depositForm.getByRole('alert').getByText('« HbA1c de septembre », le 2026-09-01 (80 jours d\'écart)').waitFor();
  await assertAccessible(doctor.page, 'physician: repeated exam named');
  await depositForm.getByRole('button', { name: 'Ajouter quand même' }).click();
  await depositForm.getByText('Document ajouté.').waitFor();
  // A prescription: its substances are checked against the current treatments and each other.
  await depositForm.getByLabel('Fichier').setInputFiles({ name: 'ordonnance.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
  await depositForm.getByLabel('Titre').fill('Ordonnance du 20 novembre');
  await depositForm.getByLabel('Catégorie', { exact: true }).selectOption('prescriptions');
  await depositForm.getByLabel('Date des soins').fill('2026-11-20');
  await depositForm.getByLabel('Substances prescrites (séparées par des virgules)').fill('lithium, acétazolamide');
  await depositForm.getByRole('button', { name: 'Ajouter le document' }).click();
  await depositForm.getByText('acétazolamide :').waitFor();
  await depositForm.getByRole('alert').filter({ hasText: 'Interaction avec lithium' }).first().waitFor();
  await assertAccessible(doctor.page, 'physician: prescription checked');
  await depositForm.getByRole('button', { name: 'Ajouter quand même' }).click();
  await depositForm.getByText('Document ajouté.').waitFor();
  // A prescription of an exam done recently: the form names the earlier one before sending.
  await depositForm.getByLabel('Fichier').setInputFiles({ name: 'ordonnance-bio.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
  await depositForm.getByLabel('Titre').fill('Ordonnance de biologie');
  await depositForm.getByLabel('Catégorie', { exact: true }).selectOption('prescriptions');
  await depositForm.getByLabel('Date des soins').fill('2026-11-20');
  await depositForm.getByLabel('Examen prescrit', { exact: true }).selectOption('lab_results');
  await depositForm.getByLabel('Code LOINC de l\'examen prescrit').fill('4548-4');
  await depositForm.getByRole('button', { name: 'Ajouter le document' }).click();
  await depositForm.getByRole('alert').getByText('« HbA1c de novembre », le 2026-11-20').waitFor();
  await assertAccessible(doctor.page, 'physician: prescribed exam already done');
  await depositForm.getByRole('button', { name: 'Ajouter quand même' }).click();
  await depositForm.getByText('Document ajouté.').waitFor();

  // The nurse shows the code to scan; the patient's camera opens its address.
  const nurse = await proLogin(cards[NURSE]);
  await nurse.page.getByRole('img', { name: 'Code QR à scanner par le patient pour vous donner accès' }).locator('svg').waitFor();
  await assertAccessible(nurse.page, 'nurse: the code to scan');
  const scanned = new URL(await nurse.page.locator('.grant-code__url').textContent());
  assert.equal(scanned.pathname + scanned.search, `/dossier/partage?pro=${NURSE}`);

  // The patient makes Dr Martin the regular doctor, and grants the nurse two categories.
  await hydrated(page, scanned.pathname + scanned.search);
  await page.getByRole('button', { name: 'Désigner comme médecin traitant — Anne Martin' }).click();
  await page.getByText('Médecin traitant ·').waitFor();
  await page.getByText('Accès pour Thomas Petit').waitFor();
  await page.getByLabel('certaines catégories').check();
  await page.getByLabel('Comptes rendus').check();
  await page.getByLabel('Mes documents').check();
  await page.getByRole('button', { name: 'Donner l\'accès' }).click();
  await page.getByText('Accès : Comptes rendus, Mes documents').waitFor();
  await assertAccessible(page, 'patient: grants');

  // The nurse sees exactly those two categories.
  await hydrated(nurse.page, '/pro');
  await nurse.page.getByRole('link', { name: 'Louise Bernard' }).click();
  await nurse.page.getByRole('heading', { name: 'Louise Bernard' }).waitFor();
  await nurse.page.locator('.document-row__title').first().waitFor();
  assert.deepEqual((await titles(nurse.page)).sort(), ['Compte rendu de consultation', 'Journal de tension']);
  await assertAccessible(nurse.page, 'nurse: granted documents');
  // Her search and filters narrow what she may see, never more.
  await nurse.page.getByLabel('Rechercher un document').fill('tension');
  await nurse.page.getByRole('button', { name: 'Filtrer' }).click();
  await nurse.page.waitForFunction(() => document.querySelectorAll('.document-row__title').length === 1);
  assert.deepEqual(await titles(nurse.page), ['Journal de tension']);
  await nurse.page.getByLabel('Rechercher un document').fill('ordonnance');
  await nurse.page.getByRole('button', { name: 'Filtrer' }).click();
  await nurse.page.getByText('Aucun document ne correspond.').waitFor();
  await assertAccessible(nurse.page, 'nurse: search with no match');
  await nurse.page.getByRole('button', { name: 'Tout afficher' }).click();
  await nurse.page.waitForFunction(() => document.querySelectorAll('.document-row__title').length === 2);

  // The patient previews the nurse's view: the same two, and why not the prescription.
  await page.getByRole('button', { name: 'Voir le dossier comme Thomas Petit' }).click();
  const preview = page.locator('.preview');
  await preview.getByText('Ordonnance de sortie').waitFor();
  assert.deepEqual((await preview.locator('.preview__seen li').allTextContents()).map((t) => t.split(' · ')[0]).sort(),
    ['Compte rendu de consultation', 'Journal de tension']);
  await preview.getByText('Son accès ne couvre pas cette catégorie.').first().waitFor();
  await assertAccessible(page, 'patient: preview of the nurse');
  await preview.getByRole('button', { name: 'Fermer l\'aperçu' }).click();

  // Masked, from the document's own page: gone from the nurse's next request; the regular
  // doctor still sees it.
  await tab(page, 'Documents').click();
  await page.getByRole('link', { name: 'Journal de tension' }).click();
  const own = page.locator('.document', { hasText: 'Journal de tension' });
  await own.getByRole('button', { name: 'Masquer' }).click();
  await own.getByText('masqué').waitFor();
  await nurse.page.reload();
  await nurse.page.locator('.document-row__title').first().waitFor();
  assert.deepEqual(await titles(nurse.page), ['Compte rendu de consultation']);
  await hydrated(doctor.page, `/pro/dossier/${record}/documents`);
  await doctor.page.locator('.document-row', { hasText: 'Journal de tension' }).getByText('masqué').waitFor();
  assert.equal((await titles(doctor.page)).length, 7);
  await nurse.context.close();
  await doctor.context.close();

  // Dr Lefebvre, without any grant, opens the record in an emergency.
  const urgent = await proLogin(cards[EMERGENCY]);
  const form = urgent.page.locator('form', { has: urgent.page.getByRole('button', { name: 'Ouvrir le dossier en urgence' }) });
  await form.getByLabel('Prénom').fill('Louise');
  await form.getByLabel('Nom', { exact: true }).fill('Bernard');
  await form.getByLabel('Date de naissance').fill('1980-05-17');
  await form.getByLabel('Motif de l\'accès en urgence').fill('court');
  await form.getByRole('button', { name: 'Ouvrir le dossier en urgence' }).click();
  await form.getByText('Donnez un motif de 10 à 500 caractères.').first().waitFor();
  await assertAccessible(urgent.page, 'break-glass: reason refused');
  await form.getByLabel('Motif de l\'accès en urgence').fill('Patiente inconsciente, admise aux urgences');
  await form.getByRole('button', { name: 'Ouvrir le dossier en urgence' }).click();
  await urgent.page.waitForURL(`**/pro/dossier/${record}/documents`);
  await urgent.page.getByRole('heading', { name: 'Mode urgence (bris de glace)' }).waitFor();
  await urgent.page.locator('.document-row__title').first().waitFor();
  assert.deepEqual((await titles(urgent.page)).sort(),
    ['Compte rendu de consultation', 'HbA1c de novembre', 'HbA1c de septembre', 'Ordonnance de biologie', 'Ordonnance de sortie',
      'Ordonnance du 20 novembre'],
    'the mask holds');
  await assertAccessible(urgent.page, 'break-glass: record in emergency mode');
  assert.deepEqual(urgent.problems, []);
  await urgent.context.close();

  // The patient sees the notification on her home page, and the session with its reason on
  // the sharing page.
  await hydrated(page, '/dossier');
  await page.getByText('Claire Lefebvre, Médecin a ouvert le dossier en urgence').waitFor();
  await page.getByText('Anne Martin, Médecin a ajouté un document à votre dossier le').first().waitFor();
  await page.getByText('Thomas Petit, Infirmier a accédé à votre dossier pour la première fois le').waitFor();
  await assertAccessible(page, 'patient: break-glass notification');
  await page.getByRole('button', { name: 'Tout marquer comme lu' }).click();
  // Every notification is read now (there are several: strict locators do not apply).
  await page.waitForFunction(() => document.querySelector('.notification--unread') === null);
  await tab(page, 'Partage').click();
  await page.getByText('Patiente inconsciente, admise aux urgences').waitFor();
  await page.locator('.badge--alert', { hasText: 'En cours' }).waitFor();
  // The access history: the emergency access stands out, and can be shown alone.
  const history = page.getByRole('region', { name: 'Historique des accès' });
  await history.getByLabel('Afficher').selectOption('break_glass');
  // Filtered by the server: the list read with that filter is there.
  await history.locator('ol.history[data-filter="break_glass"]').waitFor();
  await history.locator('.history__event--urgent', { hasText: 'Claire Lefebvre (Médecin) — a consulté la liste des documents' }).first().waitFor();
  assert.equal(await history.locator('.history__event:not(.history__event--urgent)').count(), 0);
  await assertAccessible(page, 'patient: access history, emergency accesses');
  await page.getByLabel('Je refuse que mon dossier soit ouvert en urgence (bris de glace)').check();
  await page.getByText('Votre choix est enregistré.').waitFor();
  assert.deepEqual(patient.problems, []);
  await patient.context.close();
});
