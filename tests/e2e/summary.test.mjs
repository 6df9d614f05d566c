// End to end, the emergency summary: a patient on a phone sees exactly what will be shared,
// leaves a treatment out, and creates a link with a passcode; the summary is encrypted in the
// browser. A responder opens the link in a fresh browser without an account: a wrong passcode
// counts down, the right one shows the summary, in French or English. The database holds
// neither the summary nor the key. Withdrawing the link closes it from the next request. The
// IPS export and the whole record's export validate against the official FHIR R4 JSON schema.
// Accessibility checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { availableOffline, deposit, openPage, pageHelpers, root, useServerAndBrowser, waitForHydration } from './server.mjs';

const require = createRequire(import.meta.url);
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator');

const PASSWORD = 'marée basse à Étretat';
// Ten digits: the test looks for it in the database's raw bytes, where a short run of digits can
// occur by chance (in timestamps, counters, random bytes); four digits once did, failing the test.
const PASSCODE = '4812093576';
const env = useServerAndBrowser({ before, after });
const { hydrated, assertAccessible, signUp, logIn, addEntries } = pageHelpers(env);

function databaseBytes() {
  const file = join(env.server.dataDir, 'carnet.db');
  const parts = [readFileSync(file)];
  if (existsSync(`${file}-wal`)) parts.push(readFileSync(`${file}-wal`));
  return Buffer.concat(parts);
}

test('a responder opens the shared summary with its passcode; withdrawn, it closes', async () => {
  await signUp('amelie.roux@example.fr', 'Amélie', 'Roux', PASSWORD);
  const patient = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  const { page } = patient;
  await logIn(page, 'amelie.roux@example.fr', PASSWORD);
  const record = await addEntries(page, [
    { section: 'allergy', substance: 'Pénicilline', reaction: 'œdème de Quincke', severity: 'life_threatening' },
    { section: 'treatment', substance: 'Bisoprolol', dose: '5 mg le matin' },
    { section: 'blood_group', group: 'o', rhesus: 'negative' },
    { section: 'emergency_contact', name: 'Paul Roux', relation: 'frère', phone: '+33612345678' },
    { section: 'implant', device: 'Stimulateur cardiaque', since: '2021-04-02', note: 'non compatible IRM' },
  ]);

  await hydrated(page, '/dossier/urgence');
  await page.getByRole('heading', { name: 'Résumé d\'urgence', level: 1 }).waitFor();
  const preview = page.getByRole('region', { name: 'Ce qui sera partagé' });
  await preview.getByLabel('Pénicilline (œdème de Quincke)').waitFor();
  await preview.getByLabel('Bisoprolol — 5 mg le matin').uncheck();
  await preview.getByText('Vous ne partagez rien ici').waitFor();
  await assertAccessible(page, 'emergency summary preview');

  const share = page.getByRole('region', { name: 'Créer un lien' });
  await share.getByLabel('Code (facultatif)').fill(PASSCODE);
  await share.getByRole('button', { name: 'Chiffrer et créer le lien' }).click();
  await share.getByText('Lien créé.').waitFor();
  const url = await share.getByLabel('Lien à partager').inputValue();
  assert.match(url, /\/urgence\.html#shlink:\/[A-Za-z0-9_-]+$/);
  assert.equal(await share.locator('.emergency-card__qr svg').count(), 1);
  await assertAccessible(page, 'emergency link created, with its card');
  // Printed, the card alone: wallet size, or A6.
  await page.emulateMedia({ media: 'print' });
  const card = page.locator('.emergency-card');
  assert.equal(await card.isVisible(), true);
  assert.equal(await page.getByRole('heading', { name: 'Résumé d\'urgence', level: 1 }).isVisible(), false);
  const wallet = await card.boundingBox();
  await page.emulateMedia({ media: 'screen' });
  await share.getByLabel('Format de la carte').selectOption('a6');
  await page.emulateMedia({ media: 'print' });
  const a6 = await card.boundingBox();
  assert.ok(Math.abs(wallet.width - 85.6 * 96 / 25.4) < 2, `wallet card ${wallet.width} px wide`);
  assert.ok(Math.abs(a6.width - 105 * 96 / 25.4) < 2, `A6 card ${a6.width} px wide`);
  await page.emulateMedia({ media: 'screen' });

  // The server holds ciphertext only: neither the summary's words nor the key.
  const payload = JSON.parse(Buffer.from(url.split('shlink:/')[1], 'base64url').toString());
  assert.equal(payload.flag, 'LP');
  const stored = databaseBytes();
  for (const secret of ['Quincke', 'Paul Roux', payload.key, PASSCODE]) {
    assert.equal(stored.includes(Buffer.from(secret)), false, `${secret} is stored`);
  }

  // A responder's phone: a fresh browser, no account.
  const responder = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  const view = responder.page;
  await view.goto(url);
  await view.getByLabel('Code du lien (donné par le patient ou sur sa carte)').fill('0000');
  await view.getByRole('button', { name: 'Ouvrir' }).click();
  await view.getByText('Code incorrect. Encore 9 essais avant que le lien soit bloqué.').waitFor();
  await assertAccessible(view, 'responder: wrong passcode');
  await view.getByLabel('Code du lien (donné par le patient ou sur sa carte)').fill(PASSCODE);
  await view.getByRole('button', { name: 'Ouvrir' }).click();
  const allergies = view.getByRole('region', { name: 'Allergies' });
  await allergies.getByText('Pénicilline — œdème de Quincke (RISQUE VITAL)').waitFor();
  await view.getByRole('region', { name: 'Groupe sanguin' }).getByText('O−').waitFor();
  await view.getByRole('region', { name: 'Traitements en cours' }).getByText('Non partagé par le patient.').waitFor();
  await view.getByRole('link', { name: '+33612345678' }).waitFor();
  await view.getByRole('region', { name: 'Dispositifs implantés' })
    .getByText('Stimulateur cardiaque (2021-04-02) — non compatible IRM').waitFor();
  assert.equal(await view.getByText('Bisoprolol').count(), 0);
  await assertAccessible(view, 'responder: the summary');
  await view.getByRole('button', { name: 'English' }).click();
  await view.getByRole('heading', { name: 'Emergency summary' }).waitFor();
  await view.getByRole('region', { name: 'Current medication' }).getByText('Not shared by the patient.').waitFor();
  await assertAccessible(view, 'responder: the summary in English');

  // The patient sees the view counted, and is told.
  await page.reload();
  // The server renders the links before the app is live: the button works once hydrated.
  await waitForHydration(page);
  await page.getByText('1 consultation(s) · 1 code(s) faux').waitFor();
  await page.getByRole('button', { name: 'Retirer ce lien' }).click();
  await page.getByText('Inactif (retiré, expiré, utilisé ou bloqué)').waitFor();
  await view.reload();
  await view.getByLabel('Code du lien (donné par le patient ou sur sa carte)').fill(PASSCODE);
  await view.getByRole('button', { name: 'Ouvrir' }).click();
  await view.getByText('Ce lien n\'est plus valable', { exact: false }).waitFor();
  await assertAccessible(view, 'responder: a withdrawn link');
  const told = await page.evaluate(async () => (await (await fetch('/api/notifications')).json()).map((n) => n.kind));
  assert.ok(told.includes('emergency_link_viewed'), told.join());

  // The IPS export validates against the official FHIR R4 schema; so do HL7's examples, and a
  // bundle with a property FHIR does not know does not.
  const validator = new FhirValidator();
  const bundle = await page.evaluate(async (record) => {
    const response = await fetch(`/api/records/${record}/emergency-summary/fhir`);
    return response.json();
  }, record);
  assert.deepEqual(validator.validate(bundle), []);
  assert.equal(bundle.entry[0].resource.resourceType, 'Composition');
  // One Results section, as the IPS allows (the blood group is in it); the treatment's
  // substance coded from the medicines database, the patient's words kept.
  const sections = bundle.entry[0].resource.section;
  assert.equal(sections.filter((section) => section.code.coding[0].code === '30954-2').length, 1);
  const medication = bundle.entry.map((entry) => entry.resource).find((r) => r.resourceType === 'Medication');
  assert.equal(medication.code.text, 'Bisoprolol');
  const [substance] = medication.ingredient[0].itemCodeableConcept.coding;
  assert.equal(substance.system, 'http://data.esante.gouv.fr/ansm/medicament/substance');
  assert.match(substance.code, /^[0-9]+$/);
  for (const example of ['Bundle-bundle-minimal.json', 'Bundle-IPS-examples-Bundle-01.json']) {
    const path = join(root, 'tests', 'fixtures', 'fhir', example);
    assert.deepEqual(validator.validate(JSON.parse(readFileSync(path, 'utf8'))), [], example);
  }
  const broken = structuredClone(bundle);
  broken.entry[0].resource.statuss = 'final';
  assert.notDeepEqual(validator.validate(broken), []);
  // So does the whole record's export, a document and its bytes included.
  assert.equal(await deposit(page, '/api/account/me', record, 'Journal de tension', 'patient_own'), 201);
  const exported = await page.evaluate(async (record) => {
    const response = await fetch(`/api/records/${record}/export`);
    return { type: response.headers.get('content-type'), body: await response.json() };
  }, record);
  assert.equal(exported.type, 'application/fhir+json');
  assert.deepEqual(validator.validate(exported.body), []);
  const kinds = new Set(exported.body.entry.map((entry) => entry.resource.resourceType));
  for (const kind of ['Patient', 'AllergyIntolerance', 'MedicationStatement', 'Device', 'DocumentReference', 'Binary', 'Provenance']) {
    assert.ok(kinds.has(kind), `${kind} in the export`);
  }

  // The emergency card on the patient's own phone, read with the network off.
  await hydrated(page, '/dossier/urgence');
  await page.getByLabel('Garder mon résumé lisible sur cet appareil').check();
  await page.getByRole('link', { name: 'Voir la carte d\'urgence' }).waitFor();
  await availableOffline(page);
  await assertAccessible(page, 'emergency card turned on');
  await patient.context.setOffline(true);
  await page.goto(env.server.url + '/carte-urgence.html');
  await page.getByRole('heading', { name: 'Carte d\'urgence' }).waitFor();
  await page.getByRole('region', { name: 'Allergies' })
    .getByText('Pénicilline — œdème de Quincke (RISQUE VITAL)').waitFor();
  await page.getByRole('region', { name: 'Traitements en cours' }).getByText('Bisoprolol — 5 mg le matin').waitFor();
  await assertAccessible(page, 'emergency card, offline');
  // Nothing from the API in Cache Storage.
  const cached = await page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    }
    return urls;
  });
  assert.ok(cached.length > 0 && cached.every((path) => !path.startsWith('/api/')), cached.join());
  await patient.context.setOffline(false);

  // Turned off, the card leaves the device.
  await hydrated(page, '/dossier/urgence');
  await page.getByLabel('Garder mon résumé lisible sur cet appareil').uncheck();
  await page.goto(env.server.url + '/carte-urgence.html');
  await page.getByText('Aucune carte d\'urgence sur cet appareil.', { exact: false }).waitFor();

  await responder.context.close();
  await patient.context.close();

  // The export, imported from the Documents page into another patient's empty record: what
  // it holds arrives, and the same file again adds nothing.
  await signUp('bruno.roux@example.fr', 'Bruno', 'Roux', PASSWORD);
  const other = await openPage(env.browser, { width: 320, height: 640 });
  await logIn(other.page, 'bruno.roux@example.fr', PASSWORD);
  await hydrated(other.page, '/dossier/documents');
  await other.page.getByText('Importer un dossier').click();
  const imports = other.page.locator('.import');
  await imports.getByRole('button', { name: 'Importer' }).click();
  await imports.getByText('Fichier FHIR (JSON)', { exact: false }).first().waitFor();
  const file = { name: 'carnet-dossier.fhir.json', mimeType: 'application/fhir+json', buffer: Buffer.from(JSON.stringify(exported.body)) };
  await imports.getByLabel('Fichier FHIR (JSON)').setInputFiles(file);
  await imports.getByRole('button', { name: 'Importer' }).click();
  await imports.getByText(/^Import terminé : [1-9][0-9]* ajouté\(s\), 0 déjà présent/).waitFor();
  await other.page.getByText('Journal de tension').first().waitFor();
  await assertAccessible(other.page, 'a record imported');
  await imports.getByLabel('Fichier FHIR (JSON)').setInputFiles(file);
  await imports.getByRole('button', { name: 'Importer' }).click();
  await imports.getByText(/^Import terminé : 0 ajouté\(s\), [1-9][0-9]* déjà présent/).waitFor();
  await hydrated(other.page, '/dossier/sante');
  await other.page.getByText('Pénicilline', { exact: false }).first().waitFor();
  await other.context.close();
});
