// End to end: a physician logs in with a professional card (the browser opens the card file
// with its PIN and signs the server's challenge), opens a record for a patient who then
// activates it on their phone, and opens a minor's record that the legal representative then
// manages from their own account. On a tablet and a 320 px phone, accessibility checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPage, pageHelpers, root, useServerAndBrowser } from './server.mjs';
const PASSWORD = 'marée basse à Étretat';
const PIN = '2468';

const env = useServerAndBrowser({ before, after });
let cardFile;

// The directory and Anne Martin's card, once per file (after the server has started).
function directoryAndCard() {
  if (cardFile) return;
  const imported = env.server.command(['directory', 'import', join(root, 'demo/directory.json')]);
  assert.match(imported, /8 added, 0 updated, 0 deactivated/);
  cardFile = join(env.server.dataDir, 'card-anne-martin.json');
  const issued = env.server.command(['card', 'issue', '--rpps', '10000000009', '--out', cardFile], {
    env: { CARNET_CARD_PIN: PIN },
  });
  assert.match(issued, /Card issued for Anne Martin/);
  assert.doesNotMatch(readFileSync(cardFile, 'utf8'), /PRIVATE|2468/, 'the card file holds no key in clear');
}

const { hydrated, assertAccessible, signUp, logIn } = pageHelpers(env);

async function cardLogin(viewport) {
  directoryAndCard();
  const opened = await openPage(env.browser, viewport, { httpErrors: false });
  const { page } = opened;
  await hydrated(page, '/pro/connexion');
  await assertAccessible(page, 'card login');
  await page.getByLabel('Fichier de la carte').setInputFiles(cardFile);
  await page.getByLabel('Code PIN de la carte').fill('1357');
  await page.getByRole('button', { name: 'Se connecter avec la carte' }).click();
  await page.locator('#pin-error').filter({ hasText: 'Code PIN incorrect' }).waitFor();
  await assertAccessible(page, 'card login with a wrong PIN');
  await page.getByLabel('Code PIN de la carte').fill(PIN);
  await page.getByRole('button', { name: 'Se connecter avec la carte' }).click();
  await page.waitForURL('**/pro');
  await page.getByRole('heading', { name: 'Anne Martin' }).waitFor();
  return opened;
}

test('a physician logs in with the card and opens a record that the patient activates', async () => {
  const { context, page, problems } = await cardLogin({ width: 768, height: 1024 });
  const main = await page.textContent('main');
  assert.match(main, /Médecin/);
  assert.match(main, /general_practice/);
  assert.match(main, /Cabinet du Port/);
  await assertAccessible(page, 'professional space on a tablet');
  const session = (await context.cookies()).find((c) => c.name === 'carnet_session');
  assert.ok(session.httpOnly && session.sameSite === 'Strict');

  const form = page.locator('form', { has: page.getByRole('button', { name: 'Ouvrir le dossier', exact: true }) });
  await form.getByLabel('Prénom').fill('Paul');
  await form.getByLabel('Nom', { exact: true }).fill('Leroy');
  await form.getByLabel('Date de naissance').fill('2015-03-02');
  await form.getByLabel('E-mail ou mobile du patient').fill('paul.leroy@example.fr');
  await page.getByRole('button', { name: 'Ouvrir le dossier', exact: true }).click();
  await form.locator('#open-birth_date-error').waitFor();
  assert.equal(await form.getByLabel('Prénom').inputValue(), 'Paul', 'nothing typed is lost');
  await form.getByLabel('Date de naissance').fill('1950-03-02');
  await page.getByRole('button', { name: 'Ouvrir le dossier', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'p•••@example.fr' }).waitFor();
  await assertAccessible(page, 'record opened');

  // On the patient's phone: the activation page, a code, a first password.
  const patient = await openPage(env.browser, { width: 320, height: 640 });
  await hydrated(patient.page, '/activer');
  await assertAccessible(patient.page, 'activation page');
  await patient.page.getByLabel('Adresse e-mail ou numéro de téléphone mobile').fill('paul.leroy@example.fr');
  await patient.page.getByRole('button', { name: 'Recevoir un code' }).click();
  // The code is read from the outbox only once the server has answered (and sent it).
  await patient.page.getByLabel('Code reçu (6 chiffres)').waitFor();
  await patient.page.getByLabel('Code reçu (6 chiffres)').fill(env.server.latestCode());
  await patient.page.getByLabel('Nouveau mot de passe', { exact: true }).fill(PASSWORD);
  await patient.page.getByRole('button', { name: 'Activer mon dossier' }).click();
  await patient.page.getByText('Votre dossier est activé').waitFor();
  await assertAccessible(patient.page, 'record activated');
  await logIn(patient.page, 'paul.leroy@example.fr', PASSWORD);
  await patient.page.getByRole('heading', { name: 'Bonjour Paul' }).waitFor();
  assert.deepEqual(patient.problems, []);
  await patient.context.close();

  // A record she may not open reads as one that does not exist, from the server's first answer.
  await hydrated(page, `/pro/dossier/${'0'.repeat(32)}/sante`);
  await page.getByText("Ce dossier n'existe pas ou ne vous est pas ouvert.").waitFor();
  await assertAccessible(page, 'a record not open to her');
  await hydrated(page, '/pro');

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL('**/pro/connexion');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a minor’s record is managed by the representative, who switches and closes their own', async () => {
  await signUp('jeanne.rep@example.fr', 'Jeanne', 'Martin', PASSWORD);
  const pro = await cardLogin({ width: 320, height: 640 });
  await assertAccessible(pro.page, 'professional space on a phone');
  const form = pro.page.locator('form', { has: pro.page.getByRole('button', { name: 'Ouvrir le dossier avec cet accord' }) });
  await form.getByLabel('mineure').check();
  await form.getByLabel('Prénom').fill('Léa');
  await form.getByLabel('Nom', { exact: true }).fill('Martin');
  await form.getByLabel('Date de naissance').fill('2016-06-15');
  await form.getByLabel('E-mail ou mobile du représentant légal').fill('jeanne.rep@example.fr');
  await form.getByLabel('Accord du représentant légal').selectOption('written');
  await pro.page.getByRole('button', { name: 'Ouvrir le dossier avec cet accord' }).click();
  await pro.page.getByRole('status').filter({ hasText: 'j•••@example.fr' }).waitFor();
  await assertAccessible(pro.page, 'minor record opened');
  assert.deepEqual(pro.problems, []);
  await pro.context.close();

  const { context, page, problems } = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  await logIn(page, 'jeanne.rep@example.fr', PASSWORD);
  await page.getByRole('heading', { name: 'Les dossiers que je gère' }).waitFor();
  await assertAccessible(page, 'account with a represented person');
  await page.getByRole('button', { name: 'Gérer le dossier de Léa Martin' }).click();
  await page.getByText('Vous gérez le dossier de Léa Martin.').waitFor();
  await assertAccessible(page, 'managing the minor’s record');
  await page.getByRole('button', { name: 'Revenir à mon dossier' }).click();
  await page.getByRole('button', { name: 'Gérer le dossier de Léa Martin' }).waitFor();
  assert.equal(await page.getByText('Vous gérez le dossier').count(), 0);

  // Closing needs the password; the archive can be reopened.
  await page.getByLabel('Votre mot de passe, pour confirmer', { exact: true }).fill('not the password');
  await page.getByRole('button', { name: 'Fermer mon dossier' }).click();
  await page.getByRole('alert').filter({ hasText: 'Identifiant ou mot de passe incorrect' }).waitFor();
  await page.getByLabel('Votre mot de passe, pour confirmer', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Fermer mon dossier' }).click();
  await page.getByText(/Votre dossier est fermé\. Il est archivé jusqu'au \d{4}-\d\d-\d\d/).waitFor();
  await assertAccessible(page, 'closed record');
  await page.getByLabel('Votre mot de passe, pour rouvrir le dossier').fill(PASSWORD);
  await page.getByRole('button', { name: 'Rouvrir mon dossier' }).click();
  await page.getByRole('button', { name: 'Fermer mon dossier' }).waitFor();

  // A new contact, proven by a code sent to it.
  await page.getByLabel('Nouvelle adresse e-mail ou nouveau numéro de mobile').fill('06 12 34 56 78');
  await page.locator('#contact_password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Recevoir un code à cette adresse' }).click();
  await page.locator('#contact_code').waitFor();
  await assertAccessible(page, 'contact change code step');
  await page.locator('#contact_code').fill(env.server.latestCode());
  await page.getByRole('button', { name: 'Confirmer le changement' }).click();
  await page.getByText('•• •• •• 78').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
