// End to end: a patient signs up, activates the account with the code sent to them, logs out,
// logs in again with password and code — on a 320 px phone, in a real browser, against the real
// server, with accessibility checked at every step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { openPage, pageHelpers, useServerAndBrowser } from './server.mjs';
const PASSWORD = 'marée basse à Étretat';

const env = useServerAndBrowser({ before, after });

const phonePage = () => openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });

const { hydrated, assertAccessible } = pageHelpers(env);

test('sign up, activate with the code, log out, log in with password and code', async () => {
  const { context, page, problems } = await phonePage();

  await hydrated(page, '/');
  await page.getByRole('link', { name: 'Créer mon compte' }).first().click();
  await page.waitForURL('**/inscription');
  await assertAccessible(page, 'sign-up form');

  // An empty form is refused in the browser, every field at once, before anything is sent.
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.locator('.field__error').nth(4).waitFor();
  assert.equal(await page.locator('.field__error').count(), 5);
  assert.equal(await page.locator('[aria-invalid="true"]').count(), 5);
  await assertAccessible(page, 'sign-up form with five errors');

  // A weak password is refused on its field, in words, and nothing is lost.
  await page.getByLabel('Adresse e-mail ou numéro de téléphone mobile').fill('jeanne.martin@example.fr');
  await page.getByLabel('Prénom').fill('Jeanne');
  await page.getByLabel('Nom', { exact: true }).fill('Martin');
  await page.getByLabel('Date de naissance').fill('1980-05-17');
  await page.getByLabel('Mot de passe', { exact: true }).fill('motdepasse');
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  const passwordError = page.locator('#password-error');
  await passwordError.waitFor();
  assert.match(await passwordError.textContent(), /trop courant/);
  assert.equal(await page.getByLabel('Mot de passe', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Prénom').inputValue(), 'Jeanne', 'the form keeps what was typed');
  await assertAccessible(page, 'sign-up form with an error');

  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.getByRole('heading', { name: 'Confirmez votre adresse' }).waitFor();
  assert.match(await page.textContent('main'), /j•••@example\.fr/);
  await assertAccessible(page, 'activation code step');

  // A wrong code counts down; the right one activates the account and signs in.
  const code = env.server.latestCode();
  const wrong = code === '000000' ? '111111' : '000000';
  await page.getByLabel('Code reçu (6 chiffres)').fill(wrong);
  await page.getByRole('button', { name: 'Activer mon compte' }).click();
  await page.getByRole('alert').filter({ hasText: 'Il vous reste 4 essai' }).waitFor();
  await page.getByLabel('Code reçu (6 chiffres)').fill(code);
  await page.getByRole('button', { name: 'Activer mon compte' }).click();
  await page.waitForURL('**/mon-compte');
  await page.getByRole('heading', { name: 'Bonjour Jeanne' }).waitFor();
  await assertAccessible(page, 'account page');

  // The session survives a reload (cookie), and the page says where codes go.
  await hydrated(page, '/mon-compte');
  await page.getByRole('heading', { name: 'Bonjour Jeanne' }).waitFor();
  assert.match(await page.textContent('main'), /j•••@example\.fr/);

  // Log out: the server forgets the session.
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL(env.server.url + '/');
  await hydrated(page, '/mon-compte');
  await page.getByText("Vous n'êtes pas connecté.").waitFor();
  const cookies = await context.cookies();
  assert.equal(cookies.find((c) => c.name === 'carnet_session'), undefined);

  // Log in again: password, then a fresh code.
  await hydrated(page, '/connexion');
  await assertAccessible(page, 'login form');
  await page.getByLabel('Adresse e-mail ou numéro de téléphone mobile').fill('Jeanne.Martin@example.fr');
  await page.getByLabel('Mot de passe', { exact: true }).fill('not my password');
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByRole('alert').filter({ hasText: 'Identifiant ou mot de passe incorrect' }).waitFor();
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByRole('heading', { name: 'Saisissez le code reçu' }).waitFor();
  await page.getByLabel('Code reçu (6 chiffres)').fill(env.server.latestCode());
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL('**/mon-compte');
  await page.getByRole('heading', { name: 'Bonjour Jeanne' }).waitFor();

  const session = (await context.cookies()).find((c) => c.name === 'carnet_session');
  assert.ok(session.httpOnly && session.secure && session.sameSite === 'Strict', JSON.stringify(session));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the account pages work in English too', async () => {
  const { context, page } = await phonePage();
  await hydrated(page, '/connexion');
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { name: 'Log in to Carnet' }).waitFor();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Enter an e-mail address').first().waitFor();
  await assertAccessible(page, 'English login form with an error');
  await context.close();
});

// RFC 6238 with SHA-1, 6 digits, 30 s: what an authenticator app computes from the key.
function authenticatorCode(base32Key, time = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of base32Key.replace(/\s+/g, '')) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

test('turn on an authenticator app, then log in with its code instead of a message', async () => {
  const { context, page, problems } = await phonePage();
  await hydrated(page, '/inscription');
  await page.getByLabel('Adresse e-mail ou numéro de téléphone mobile').fill('06 11 22 33 44');
  await page.getByLabel('Prénom').fill('Paul');
  await page.getByLabel('Nom', { exact: true }).fill('Durand');
  await page.getByLabel('Date de naissance').fill('1975-02-03');
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.getByRole('heading', { name: 'Confirmez votre adresse' }).waitFor();
  assert.match(await page.textContent('main'), /•• •• •• 44/);
  await page.getByLabel('Code reçu (6 chiffres)').fill(env.server.latestCode());
  await page.getByRole('button', { name: 'Activer mon compte' }).click();
  await page.getByRole('heading', { name: 'Bonjour Paul' }).waitFor();

  // A session alone does not set it up: the password is asked.
  await page.getByLabel("Votre mot de passe, pour associer l'application").fill('pas le mot de passe');
  await page.getByRole('button', { name: "Utiliser une application d'authentification" }).click();
  await page.getByRole('alert').filter({ hasText: 'Identifiant ou mot de passe incorrect' }).waitFor();
  await page.getByLabel("Votre mot de passe, pour associer l'application").fill(PASSWORD);
  await page.getByRole('button', { name: "Utiliser une application d'authentification" }).click();
  const key = (await page.locator('code.secret').textContent()).replace(/\s+/g, '');
  assert.match(key, /^[A-Z2-7]{32}$/);
  assert.match(await page.getByRole('link', { name: "Ouvrir dans l'application d'authentification" }).getAttribute('href'), /^otpauth:\/\/totp\/Carnet:/);
  await assertAccessible(page, 'authenticator set-up');
  await page.getByLabel('Code reçu (6 chiffres)').fill(authenticatorCode(key));
  await page.getByRole('button', { name: 'Activer', exact: true }).click();
  await page.getByText("C'est fait").waitFor();

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL(env.server.url + '/');
  await hydrated(page, '/connexion');
  await page.getByLabel('Adresse e-mail ou numéro de téléphone mobile').fill('+33 6 11 22 33 44');
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByText("Le code affiché par votre application d'authentification.").waitFor();
  // The code of the next 30-second step, which the server accepts as clock drift: the one that
  // turned the app on, of this step or the last, cannot be replayed.
  await page.getByLabel('Code reçu (6 chiffres)').fill(authenticatorCode(key, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { name: 'Bonjour Paul' }).waitFor();
  assert.match(await page.textContent('main'), /application d'authentification vous donne le code/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('forgotten password: a code to the contact, a new password, then log in with it', async () => {
  const { context, page, problems } = await phonePage();
  await hydrated(page, '/inscription');
  await page.getByLabel('Adresse e-mail ou numéro de téléphone mobile').fill('lea@example.fr');
  await page.getByLabel('Prénom').fill('Léa');
  await page.getByLabel('Nom', { exact: true }).fill('Petit');
  await page.getByLabel('Date de naissance').fill('1990-07-14');
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.getByRole('heading', { name: 'Confirmez votre adresse' }).waitFor();
  await page.getByLabel('Code reçu (6 chiffres)').fill(env.server.latestCode());
  await page.getByRole('button', { name: 'Activer mon compte' }).click();
  await page.getByRole('heading', { name: 'Bonjour Léa' }).waitFor();

  // Change the password from "my account" (the current one is asked for).
  const NEW = 'un phare dans la brume du matin';
  await page.getByLabel('Mot de passe actuel').fill(PASSWORD);
  await page.getByLabel('Nouveau mot de passe', { exact: true }).fill(NEW);
  await page.getByRole('button', { name: 'Changer mon mot de passe' }).click();
  await page.getByText('Votre mot de passe a été changé.').waitFor();
  await assertAccessible(page, 'account page after a password change');
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL(env.server.url + '/');

  // Forgot it anyway: recover with a code.
  await hydrated(page, '/connexion');
  await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
  await page.getByRole('heading', { name: 'Choisir un nouveau mot de passe' }).waitFor();
  await assertAccessible(page, 'recovery form');
  await page.getByLabel('Adresse e-mail ou numéro de téléphone mobile').fill('lea@example.fr');
  await page.getByRole('button', { name: 'Recevoir un code' }).click();
  await page.getByRole('heading', { name: 'Saisissez le code et votre nouveau mot de passe' }).waitFor();
  await page.getByLabel('Code reçu (6 chiffres)').fill(env.server.latestCode());
  await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('azertyuiop');
  await page.getByRole('button', { name: 'Changer mon mot de passe' }).click();
  await page.locator('#new_password-error').waitFor();
  const RECOVERED = 'trois mouettes sur la digue';
  await page.getByLabel('Nouveau mot de passe', { exact: true }).fill(RECOVERED);
  await page.getByRole('button', { name: 'Changer mon mot de passe' }).click();
  await page.getByText('Votre mot de passe a été changé et vos sessions ouvertes ont été fermées.').waitFor();
  await assertAccessible(page, 'recovery done');

  await page.getByRole('link', { name: 'Se connecter' }).last().click();
  await page.getByLabel('Adresse e-mail ou numéro de téléphone mobile').fill('lea@example.fr');
  await page.getByLabel('Mot de passe', { exact: true }).fill(RECOVERED);
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByRole('heading', { name: 'Saisissez le code reçu' }).waitFor();
  await page.getByLabel('Code reçu (6 chiffres)').fill(env.server.latestCode());
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { name: 'Bonjour Léa' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
