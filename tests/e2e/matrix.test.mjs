// End to end, the operator's access matrix: with a matrix that narrows what physicians may
// deposit, the professional's own page lists exactly what this server's matrix allows, and the
// deposit form in a patient's record offers exactly those categories — never the built-in
// matrix. A category the form does not offer is also refused by the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPage, pageHelpers, root, useServerAndBrowser } from './server.mjs';

const PASSWORD = 'marée basse à Étretat';
const PIN = '2468';
const DOCTOR = '10000000009';

// The built-in matrix, except that physicians deposit reports and certificates only.
const matrixFile = join(mkdtempSync(join(tmpdir(), 'carnet-matrix-')), 'matrix.json');
const matrix = JSON.parse(readFileSync(join(root, 'app/policy/access-matrix.json'), 'utf8'));
matrix.version = 'e2e-narrow-physicians';
for (const rule of matrix.rules) {
  if (rule.profession === 'physician' && !rule.specialty) rule.write = ['reports', 'certificates'];
}
writeFileSync(matrixFile, JSON.stringify(matrix));

const env = useServerAndBrowser({ before, after, serverArgs: () => ['--access-matrix', matrixFile] });
const { hydrated, assertAccessible, signUp, logIn } = pageHelpers(env);

test('the professional pages offer exactly what the configured matrix allows', async () => {
  env.server.command(['directory', 'import', join(root, 'demo/directory.json')]);
  const cardFile = join(env.server.dataDir, 'card.json');
  env.server.command(['card', 'issue', '--rpps', DOCTOR, '--out', cardFile], { env: { CARNET_CARD_PIN: PIN } });

  // The patient grants Dr Martin the whole record.
  await signUp('ines.garcia@example.fr', 'Inès', 'Garcia', PASSWORD);
  const patient = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  await logIn(patient.page, 'ines.garcia@example.fr', PASSWORD);
  const record = await patient.page.evaluate(async (rpps) => {
    const me = await (await fetch('/api/account/me')).json();
    const granted = await fetch(`/api/records/${me.id}/grants/${rpps}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
      body: JSON.stringify({ scope: 'all' }),
    });
    if (granted.status !== 204) throw new Error(`grant refused: ${granted.status}`);
    return me.id;
  }, DOCTOR);

  const doctor = await openPage(env.browser, { width: 768, height: 1024 }, { httpErrors: false });
  const { page } = doctor;
  await hydrated(page, '/pro/connexion');
  await page.getByLabel('Fichier de la carte').setInputFiles(cardFile);
  await page.getByLabel('Code PIN de la carte').fill(PIN);
  await page.getByRole('button', { name: 'Se connecter avec la carte' }).click();
  await page.waitForURL('**/pro');

  // Her own page: what this server's matrix gives physicians.
  const rights = page.getByRole('region', { name: 'Ce que votre profession permet' });
  await rights.waitFor();
  const deposit = rights.getByRole('heading', { name: 'Documents que vous pouvez déposer' });
  const listed = await deposit.locator('xpath=following-sibling::ul[1]/li').allTextContents();
  assert.deepEqual(listed, ['Comptes rendus', 'Certificats']);
  await assertAccessible(page, 'professional page with the configured rights');

  // The patient's record: the deposit form offers those two categories, nothing more.
  await hydrated(page, `/pro/dossier/${record}`);
  await page.getByRole('button', { name: 'Ajouter un document', exact: true }).click();
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Ajouter le document' }) });
  // The options come with the record's abilities, after the form itself: wait for them.
  const options = form.getByLabel('Catégorie').locator('option');
  await options.first().waitFor({ state: 'attached' });
  const offered = await options.allTextContents();
  assert.deepEqual(offered, ['Comptes rendus', 'Certificats']);
  await assertAccessible(page, 'deposit form from the configured matrix');
  // And the server refuses what the form does not offer.
  const refused = await page.evaluate(async (record) => {
    const me = await (await fetch('/api/pro/me')).json();
    const answer = await fetch(`/api/records/${record}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
      body: JSON.stringify({ title: 'Ordonnance', category: 'prescriptions', care_date: '2026-11-20',
        media_type: 'application/pdf', size: 100 }),
    });
    return [answer.status, (await answer.json()).denied];
  }, record);
  assert.deepEqual(refused, [403, 'not_for_profession']);

  await doctor.context.close();
  await patient.context.close();
});
