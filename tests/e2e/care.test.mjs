// End to end, the insurer's feed as a patient lives it: their INS declared on their care page,
// then verified by their physician on hers; the insurer's system sends a FHIR batch with its own credential; the patient
// is told, finds the care history by month on a phone, narrows it by kind and by words, masks a
// line; then adds "Kardégic" (a brand) while the pharmacy dispensed warfarin: warned on the
// device before sending, the dispensed medicine named with its day, and by the server after;
// the emergency summary offers that medicine, marked as dispensed; and the history opens offline
// from the device's encrypted copy.
// Accessibility checked at 320 px and on a tablet.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  availableOffline, openPage, pageHelpers, tab, useServerAndBrowser, waitForHydration,
} from './server.mjs';

const PASSWORD = 'falaises d\'Étretat au matin';
const DEVICE_CODE = '482 Cormoran';
const PHYSICIAN = '10000000009';
const INS_NIR = 'urn:oid:1.2.250.1.213.1.4.8';
const CIP = 'urn:oid:1.2.250.1.213.2.3.2';
const env = useServerAndBrowser({ before, after });
const { hydrated, assertAccessible, signUp, logIn } = pageHelpers(env);

// A valid INS from 13 digits: the key is 97 − (number mod 97).
function ins(digits) {
  const key = 97n - (BigInt(digits) % 97n);
  return digits + String(key).padStart(2, '0');
}

// `days` days before today (UTC, the server's calendar), as YYYY-MM-DD.
function daysAgo(days) {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

function care(id, insValue, date, { category, code, display, charged, paid }) {
  return {
    resourceType: 'ExplanationOfBenefit',
    identifier: [{ system: 'https://assurance-maladie.example/eob', value: id }],
    status: 'active',
    type: { coding: [{ code: 'professional' }] },
    patient: { identifier: { system: INS_NIR, value: insValue } },
    provider: { display: 'Dr Anne Martin' },
    item: [{
      category: { coding: [{ code: category }] },
      productOrService: { coding: [{ system: 'https://ccam.example', code, display }] },
      servicedDate: date,
    }],
    total: [
      { category: { coding: [{ code: 'submitted' }] }, amount: { value: charged, currency: 'EUR' } },
      { category: { coding: [{ code: 'benefit' }] }, amount: { value: paid, currency: 'EUR' } },
    ],
  };
}

function dispense(id, insValue, date, cip, display) {
  return {
    resourceType: 'MedicationDispense',
    identifier: [{ system: 'https://assurance-maladie.example/dispense', value: id }],
    status: 'completed',
    subject: { identifier: { system: INS_NIR, value: insValue } },
    medicationCodeableConcept: { coding: [{ system: CIP, code: cip, display }] },
    quantity: { value: 1 },
    daysSupply: { value: 30 },
    whenHandedOver: `${date}T10:30:00Z`,
    performer: [{ actor: { display: 'Pharmacie du Port' } }],
  };
}

test('the care history arrives, is found on a phone, and a dispensed medicine warns of an interaction', async () => {
  await signUp('marc.leroy@example.fr', 'Marc', 'Leroy', PASSWORD);
  const patient = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  const { page } = patient;
  await logIn(page, 'marc.leroy@example.fr', PASSWORD);

  // Before anything arrives, the page says how the history comes.
  await hydrated(page, '/dossier/soins');
  await page.getByRole('heading', { level: 1, name: 'Historique des soins' }).waitFor();
  await page.getByText('Aucun soin reçu de l\'Assurance Maladie pour l\'instant.').waitFor();
  await assertAccessible(page, 'care history: empty');

  // The patient declares their INS (a mistyped key is refused in words) and gives their
  // physician access; the physician verifies it on the patient's care page, from the card in
  // front of her (only a verified INS draws the insurer's lines into a record).
  const mine = ins('1750276123456');
  const identity = page.getByRole('region', { name: 'Identifiant national de santé (INS)' });
  await identity.getByText('Aucun INS dans ce dossier pour l\'instant.').waitFor();
  await identity.getByLabel('INS (15 caractères)').fill(mine.slice(0, 13) + '00');
  await identity.getByRole('button', { name: 'Enregistrer l\'INS' }).click();
  await identity.locator('#identity-ins-error').getByText(/Saisissez les 15 caractères/).waitFor();
  await assertAccessible(page, 'care history: a mistyped INS');
  await identity.getByLabel('INS (15 caractères)').fill(mine.replace(/(\d)(\d\d)(\d\d)/, '$1 $2 $3 '));
  await identity.getByRole('button', { name: 'Enregistrer l\'INS' }).click();
  await identity.getByText(/Déclaré, pas encore vérifié/).waitFor();
  // Dr Martin's card (its login imports the directory that names her).
  const [name, value] = (await env.server.cardSession(PHYSICIAN, '2468')).split('=');
  const record = await page.evaluate(async (rpps) => {
    const me = await (await fetch('/api/account/me')).json();
    const granted = await fetch(`/api/records/${me.id}/grants/${rpps}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
      body: JSON.stringify({ scope: 'all' }),
    });
    if (!granted.ok) throw new Error(`grant: ${granted.status}`);
    return me.id;
  }, PHYSICIAN);
  const doctor = await openPage(env.browser, { width: 768, height: 1024 }, { httpErrors: false });
  await doctor.context.addCookies([{ name, value, url: env.server.url }]);
  await doctor.page.goto(`${env.server.url}/pro/dossier/${record}/soins`);
  await waitForHydration(doctor.page);
  const verifying = doctor.page.getByRole('region', { name: 'Identifiant national de santé (INS)' });
  await verifying.getByText(/Déclaré, pas encore vérifié/).waitFor();
  await verifying.getByLabel('INS (15 caractères)').fill(mine);
  await verifying.getByRole('button', { name: 'Vérifier l\'INS' }).click();
  await verifying.getByText(/Vérifié par Anne Martin/).waitFor();
  await assertAccessible(doctor.page, 'a professional verified the INS, on a tablet');
  assert.deepEqual(doctor.problems, []);
  await doctor.context.close();

  // The insurer's system: its own credential, a FHIR batch, a report line by line.
  const added = env.server.command(['feed', 'add', 'cpam-test']);
  const token = added.trim().split('\n').at(-1);
  const coumadine = dispense('d1', mine, daysAgo(5), '3400930264546', 'COUMADINE 2 mg, comprimé sécable');
  const bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      care('e1', mine, daysAgo(3), { category: '3', code: 'G', display: 'Consultation de médecine générale', charged: 30, paid: 21 }),
      care('e2', mine, daysAgo(40), { category: '4', code: 'ZBQK002', display: 'Radiographie du thorax', charged: 50, paid: 35 }),
      care('e3', mine, daysAgo(70), { category: '5', code: '1577', display: 'Hémoglobine glyquée', charged: 13.5, paid: 8.1 }),
      coumadine,
      care('e4', ins('1750276999999'), daysAgo(3), { category: '3', code: 'G', display: 'Consultation', charged: 30, paid: 21 }),
    ].map((resource) => ({ resource, request: { method: 'POST', url: resource.resourceType } })),
  };
  const sent = await fetch(`${env.server.url}/api/feed/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  assert.equal(sent.status, 200, await sent.clone().text());
  const report = (await sent.json()).entry.map((entry) => entry.response.status);
  assert.deepEqual(report, ['201 Created', '201 Created', '201 Created', '201 Created', '404 Not Found']);

  // The patient is told on their home page, and finds the history from there.
  await hydrated(page, '/dossier');
  await page.getByText(/Votre historique des soins a été mis à jour par l'Assurance Maladie/).waitFor();
  await page.getByRole('link', { name: 'Mes soins remboursés' }).click();
  await page.waitForURL('**/dossier/soins');
  const summary = page.locator('.care__summary');
  await summary.getByText('4 ligne(s)').waitFor();
  assert.match(await summary.innerText(), /remboursé 64,10\s€ sur 93,50\s€/);
  // By month, newest first, each with its own totals.
  const months = page.locator('.care__month h3');
  assert.ok(await months.count() >= 2);
  const lines = page.locator('.care__line');
  assert.equal(await lines.count(), 4);
  await page.locator('.care__line', { hasText: 'COUMADINE 2 mg' }).getByText(`délivré en pharmacie le ${daysAgo(5)}`).waitFor();
  await assertAccessible(page, 'care history at 320 px');

  // Narrowed by kind, then by words.
  await page.getByLabel('Type de soins').selectOption('imaging');
  await summary.getByText('1 ligne(s)').waitFor();
  await page.locator('.care__line', { hasText: 'Radiographie du thorax' }).waitFor();
  await page.getByLabel('Type de soins').selectOption('');
  await page.getByLabel('Rechercher (acte, médicament, professionnel)').fill('hemoglobine');
  await summary.getByText('1 ligne(s)').waitFor();
  await page.getByLabel('Rechercher (acte, médicament, professionnel)').fill('introuvable');
  await page.getByText('Aucun soin ne correspond à cette recherche.').waitFor();
  await page.getByLabel('Rechercher (acte, médicament, professionnel)').fill('');
  await summary.getByText('4 ligne(s)').waitFor();

  // A line masked: still the patient's, marked so.
  await page.getByRole('button', { name: 'Masquer Radiographie du thorax' }).click();
  await page.locator('.care__line', { hasText: 'Radiographie du thorax' }).getByText('masqué', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Démasquer Radiographie du thorax' }).waitFor();

  // On a tablet, the same page, accessible.
  await page.setViewportSize({ width: 768, height: 1024 });
  await assertAccessible(page, 'care history on a tablet');
  await page.setViewportSize({ width: 320, height: 640 });

  // The patient adds "Kardégic" (aspirin) as a treatment: the device resolves the brand and
  // counts the warfarin the pharmacy dispensed five days ago, before anything is sent.
  await tab(page, 'Santé').click();
  await page.waitForURL('**/dossier/sante');
  const profile = page.getByRole('region', { name: 'Profil de santé' });
  await profile.getByRole('button', { name: 'Ajouter au profil' }).click();
  await profile.getByLabel('Rubrique').selectOption('treatments');
  // Names are suggested while typing, once the medicines database is on the device.
  await profile.getByLabel('Substance').fill('Kardé');
  await page.waitForFunction(() => [...document.querySelectorAll('#substance-suggestions option')]
    .some((option) => option.value.startsWith('KARDEGIC')));
  await profile.getByLabel('Substance').fill('Kardégic');
  await profile.getByLabel('Posologie').fill('75 mg le matin');
  await profile.getByRole('button', { name: 'Ajouter', exact: true }).click();
  const before = profile.locator('.safety__before');
  await before.getByText('Vérifié sur cet appareil avant l\'envoi — Kardégic').waitFor();
  const warned = before.getByRole('alert').filter({ hasText: 'Interaction avec COUMADINE 2 mg, comprimé sécable' });
  await warned.getByText(`délivré en pharmacie le ${daysAgo(5)}`).first().waitFor();
  await warned.getByText('Contre-indication').first().waitFor();
  await assertAccessible(page, 'profile: a dispensed medicine found on the device');
  // Sent anyway, the server's check says the same.
  await profile.getByRole('button', { name: 'Ajouter quand même' }).click();
  await profile.getByText('Kardégic, 75 mg le matin').waitFor();
  const alert = profile.getByRole('alert').filter({ hasText: 'Interaction avec COUMADINE 2 mg, comprimé sécable' });
  await alert.getByText(`délivré en pharmacie le ${daysAgo(5)}`).first().waitFor();

  // The emergency summary offers the medicine dispensed lately beside the typed ones, marked
  // as dispensed, to share or leave out like any item.
  await tab(page, 'Partage').click();
  await page.getByRole('link', { name: 'Voir et partager mon résumé' }).click();
  await page.waitForURL('**/dossier/urgence');
  const dispensedItem = page.getByLabel(`COUMADINE 2 mg, comprimé sécable — délivré en pharmacie le ${daysAgo(5)}`);
  await dispensedItem.waitFor();
  assert.equal(await dispensedItem.isChecked(), true);
  await page.getByLabel('Kardégic — 75 mg le matin').waitFor();
  await assertAccessible(page, 'emergency summary with a dispensed medicine');
  assert.deepEqual(patient.problems, []);

  // Offline, from the device's encrypted copy, like the other record pages.
  await hydrated(page, '/mon-compte');
  await availableOffline(page);
  const copy = page.getByRole('region', { name: 'Mon dossier sans réseau' });
  await copy.getByLabel('Code de l\'appareil').fill(DEVICE_CODE);
  await copy.getByLabel('Le même code, une seconde fois').fill(DEVICE_CODE);
  await copy.getByRole('button', { name: 'Garder une copie sur cet appareil' }).click();
  await copy.getByText('Copie chiffrée sur cet appareil : déverrouillée.').waitFor();
  await page.waitForFunction(async (key) => {
    const db = await new Promise((resolve) => { const r = indexedDB.open('carnet-offline'); r.onsuccess = () => resolve(r.result); });
    const keys = await new Promise((resolve) => { const r = db.transaction('records').objectStore('records').getAllKeys(); r.onsuccess = () => resolve(r.result); });
    db.close();
    return keys.includes(key);
  }, `/api/records/${record}/care-history`);
  await patient.context.setOffline(true);
  await page.reload();
  await page.getByLabel('Code de l\'appareil').fill(DEVICE_CODE);
  await page.getByRole('button', { name: 'Déverrouiller' }).click();
  await tab(page, 'Accueil').click();
  await page.getByRole('link', { name: 'Mes soins remboursés' }).click();
  await page.locator('.care__line', { hasText: 'COUMADINE 2 mg' }).waitFor();
  await summary.getByText('4 ligne(s)').waitFor();
  await assertAccessible(page, 'care history from the copy, offline');
  await patient.context.close();
});
