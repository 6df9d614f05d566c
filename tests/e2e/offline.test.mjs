// End to end, offline first: the app is installable (manifest, icons, service worker); the
// patient keeps an encrypted copy on the phone, protected by a device code; with the network off
// a reload opens the app shell, which asks for the code (a wrong one counts down) and shows the
// record from the copy. An entry added and one edited offline, a note written and a file
// deposited offline wait in the outbox, survive the page being closed, and are sent when the
// network is back (each document once); the edit met a change made meanwhile
// in another browser: both versions are shown and kept. A flipped byte in a stored record makes
// it fail to open. A new build is announced. Logging out, even offline, leaves nothing behind.
// Accessibility checked at each screen.
//
// Longer than most files, on purpose: each file of end-to-end tests starts its own server and
// browser, which its tests share; split, the suite would start another pair and take longer on
// the two-core machine.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableOffline, openPage, pageHelpers, root, tab, useServerAndBrowser, waitForHydration } from './server.mjs';

const PASSWORD = 'phare du bout du monde';
const CODE = '731 Goélette';
const env = useServerAndBrowser({ before, after });
const { hydrated, assertAccessible, signUp, logIn, addEntries } = pageHelpers(env);

// Every value of the copy's stores, as bytes, read straight from IndexedDB.
function storedValues(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('carnet-offline');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const stores = ['records', 'outbox', 'files', 'meta'];
      const tx = db.transaction(stores, 'readonly');
      const requests = stores.map((store) => [store, tx.objectStore(store).getAllKeys(), tx.objectStore(store).getAll()]);
      tx.onerror = () => reject(tx.error);
      tx.oncomplete = () => {
        const out = {};
        for (const [store, keys, values] of requests) {
          out[store] = keys.result.map((key, i) => ({
            key,
            bytes: values.result[i] instanceof Uint8Array ? Array.from(values.result[i]) : null,
            text: typeof values.result[i] === 'string' ? values.result[i] : null,
          }));
        }
        db.close();
        resolve(out);
      };
    };
  }));
}

function contains(bytes, text) {
  return Buffer.from(bytes).includes(Buffer.from(text, 'utf8'));
}

async function unlockOnGate(page, code) {
  await page.getByLabel('Code de l\'appareil').fill(code);
  await page.getByRole('button', { name: 'Déverrouiller' }).click();
}

test('the record opens offline from the encrypted copy; offline changes reach the server', async () => {
  await signUp('lea.kerguelen@example.fr', 'Léa', 'Kerguelen', PASSWORD);
  const phone = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  let page = phone.page;
  await logIn(page, 'lea.kerguelen@example.fr', PASSWORD);
  const record = await addEntries(page, [
    { section: 'allergy', substance: 'Latex', reaction: 'urticaire', severity: 'moderate' },
    { section: 'treatment', substance: 'Lévothyroxine', dose: '75 µg le matin' },
  ]);

  // Installable: a manifest Chromium accepts, the icons it names, a service worker in control.
  // (The copy is set up from the account page: it is this device's.)
  await hydrated(page, '/mon-compte');
  const cdp = await phone.context.newCDPSession(page);
  const manifest = await cdp.send('Page.getAppManifest');
  assert.deepEqual(manifest.errors, [], 'manifest errors');
  const parsed = JSON.parse(manifest.data);
  assert.equal(parsed.display, 'standalone');
  assert.ok(parsed.shortcuts.some((s) => s.url === '/carte-urgence.html'), 'shortcut to the emergency card');
  for (const icon of parsed.icons) {
    const answer = await page.request.get(env.server.url + icon.src);
    assert.equal(answer.status(), 200, icon.src);
  }
  await availableOffline(page);
  assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'a worker in control');
  const installability = await cdp.send('Page.getInstallabilityErrors');
  // Playwright's contexts are incognito profiles, where Chromium never offers to install.
  const blocking = installability.installabilityErrors.filter((e) => e.errorId !== 'in-incognito');
  assert.deepEqual(blocking, [], 'installability');
  await page.getByRole('status').filter({ hasText: 'En ligne' }).waitFor();
  // Until the patient asks for a copy, the app keeps nothing in IndexedDB, not even an empty
  // database.
  assert.deepEqual(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), []);

  // The copy, protected by a device code.
  const panel = page.getByRole('region', { name: 'Mon dossier sans réseau' });
  await panel.getByLabel('Code de l\'appareil').fill('12345');
  await panel.getByLabel('Le même code, une seconde fois').fill('12345');
  await panel.getByRole('button', { name: 'Garder une copie sur cet appareil' }).click();
  await panel.getByText('Au moins 6 caractères.').waitFor();
  await panel.getByLabel('Code de l\'appareil').fill(CODE);
  await panel.getByLabel('Le même code, une seconde fois').fill(CODE);
  await panel.getByRole('button', { name: 'Garder une copie sur cet appareil' }).click();
  await panel.getByText('Copie chiffrée sur cet appareil : déverrouillée.').waitFor();
  await assertAccessible(page, 'offline copy set up');
  await page.waitForFunction(async () => {
    const db = await new Promise((resolve) => { const r = indexedDB.open('carnet-offline'); r.onsuccess = () => resolve(r.result); });
    const count = await new Promise((resolve) => { const r = db.transaction('records').objectStore('records').count(); r.onsuccess = () => resolve(r.result); });
    db.close();
    return count >= 5;
  });

  // A document she keeps offline, from its own page: its bytes are sealed in the copy too.
  await tab(page, 'Documents').click();
  await page.getByText('Ajouter un document ou une note').click();
  const deposit = page.locator('form[aria-labelledby="deposit-heading"]');
  await deposit.getByLabel('Fichier').setInputFiles({
    name: 'cardio.txt', mimeType: 'text/plain', buffer: Buffer.from('Échographie cardiaque normale, FEVG 62 %.'),
  });
  await deposit.getByLabel('Titre', { exact: true }).fill('Compte rendu cardiologie');
  await deposit.getByLabel('Date des soins').fill('2026-11-20');
  await deposit.getByRole('button', { name: 'Ajouter le document' }).click();
  await deposit.getByText('Document ajouté', { exact: false }).waitFor();
  await page.getByRole('link', { name: 'Compte rendu cardiologie' }).click();
  const keep = page.getByRole('checkbox', { name: 'Garder hors ligne : Compte rendu cardiologie' });
  await keep.check();
  await page.waitForFunction(() => document.querySelector('input[id^="keep-"]:checked:not(:disabled)') !== null);
  await assertAccessible(page, 'a document kept offline');

  // What IndexedDB holds is ciphertext: neither the words, nor the name, nor the code.
  const stored = await storedValues(page);
  assert.equal(stored.files.filter((f) => f.key.startsWith('document/')).length, 1, stored.files.map((f) => f.key).join());
  const keys = stored.records.map((r) => r.key);
  assert.ok(keys.includes(`/api/records/${record}/profile`), keys.join());
  for (const { key, bytes } of [...stored.records, ...stored.outbox, ...stored.files]) {
    assert.ok(bytes, `${key} is stored as bytes`);
    for (const word of ['Latex', 'Lévothyroxine', 'Kerguelen', 'lea.kerguelen', CODE, 'Échographie', 'cardiologie']) {
      assert.ok(!contains(bytes, word), `${word} in clear in ${key}`);
    }
  }
  const lock = JSON.parse(stored.meta[0].text);
  assert.ok(lock.rounds >= 600_000, `PBKDF2 rounds ${lock.rounds}`);
  assert.ok(!stored.meta[0].text.includes(CODE));
  // Cache Storage keeps the shell, never an answer of the API.
  const cached = await page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    }
    return urls;
  });
  assert.ok(cached.includes('/app.html') && cached.includes('/pkg/carnet_bg.wasm'), cached.join());
  assert.ok(cached.every((path) => !path.startsWith('/api/') && path !== '/dossier'), cached.join());

  // Network off, reload: the app shell starts the app, which asks for the code.
  await phone.context.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { name: 'Déverrouiller Carnet' }).waitFor();
  assert.equal(await page.getByText('Latex').count(), 0, 'nothing of the record before the code');
  await page.getByRole('status').filter({ hasText: 'Hors ligne' }).waitFor();
  await assertAccessible(page, 'unlock screen, offline');
  await unlockOnGate(page, 'pas le bon code');
  await page.getByText('Code faux. Encore 9 essai(s) avant l\'effacement de la copie.').waitFor();
  await unlockOnGate(page, CODE);
  // The same address as before: the document's page.
  assert.match(new URL(page.url()).pathname, /^\/dossier\/documents\/[^/]+$/);
  await page.getByRole('heading', { name: 'Compte rendu cardiologie' }).waitFor();
  await assertAccessible(page, 'a document from the copy, offline');
  // The kept document opens from the device, without a network.
  await page.getByRole('button', { name: 'Ouvrir « Compte rendu cardiologie »' }).click();
  await page.getByText('Ouvert depuis la copie de cet appareil.').waitFor();
  await page.frameLocator('iframe.viewer__frame').getByText('Échographie cardiaque normale, FEVG 62 %.').waitFor();
  await assertAccessible(page, 'a kept document, offline');
  await page.locator('.viewer').getByRole('button', { name: 'Fermer le document' }).click();
  // The health profile, from the copy too.
  await tab(page, 'Santé').click();
  const profile = page.getByRole('region', { name: 'Profil de santé' });
  await profile.getByText('Latex').waitFor();
  await profile.getByText('Lévothyroxine').waitFor();
  await assertAccessible(page, 'record from the copy, offline');

  // Offline: a new entry (the form's code from the copy on the device), and an edit of the
  // allergy.
  await profile.getByRole('button', { name: 'Ajouter au profil' }).click();
  await profile.getByLabel('Rubrique').selectOption('allergies');
  await profile.getByLabel('Substance').fill('Arachide');
  await profile.getByLabel('Gravité').selectOption('severe');
  await profile.getByRole('button', { name: 'Ajouter' }).click();
  await page.getByText('Pas de réseau : enregistré sur cet appareil, envoyé au retour du réseau.').waitFor();
  await profile.getByRole('button', { name: /^Modifier : Latex/ }).click();
  await profile.getByLabel('Réaction (facultatif)').fill('urticaire géante');
  await profile.getByRole('button', { name: 'Enregistrer la modification' }).click();
  await page.getByText('2 modification(s) en attente d\'envoi').waitFor();
  // Offline: a note written in the app, and a file of her own.
  await tab(page, 'Documents').click();
  await page.getByText('Ajouter un document ou une note').click();
  const note = page.locator('form[aria-labelledby="note-heading"]');
  await note.getByLabel('Titre de la note').fill('Vertiges du matin');
  await note.getByRole('button', { name: 'Enregistrer la note' }).click();
  await note.getByText('La note est trop longue (20 000 caractères au plus).').waitFor();
  await note.getByLabel('Texte de la note').fill('Vertiges au lever depuis lundi, tension 10/6.');
  await note.getByRole('button', { name: 'Enregistrer la note' }).click();
  await note.getByText('Pas de réseau : enregistré sur cet appareil, envoyé au retour du réseau.').waitFor();
  assert.equal(await note.getByLabel('Texte de la note').inputValue(), '', 'the form is cleared once kept');
  await deposit.getByLabel('Fichier').setInputFiles({
    name: 'glycemie.txt', mimeType: 'text/plain', buffer: Buffer.from('Glycémie à jeun 5,4 mmol/L, relevé personnel.'),
  });
  await deposit.getByLabel('Titre', { exact: true }).fill('Relevé de glycémie');
  await deposit.getByLabel('Date des soins').fill('2026-11-30');
  await deposit.getByRole('button', { name: 'Ajouter le document' }).click();
  await deposit.getByText('Pas de réseau : enregistré sur cet appareil, envoyé au retour du réseau.').waitFor();
  await page.getByText('4 modification(s) en attente d\'envoi').waitFor();
  // What waits to be sent, on the home page.
  await tab(page, 'Accueil').click();
  const outbox = page.getByRole('region', { name: 'Modifications faites sans réseau' });
  await outbox.getByText('Ajout · Arachide').waitFor();
  await outbox.getByText('Nouveau document · Vertiges du matin').waitFor();
  await outbox.getByText('Nouveau document · Relevé de glycémie').waitFor();
  await assertAccessible(page, 'outbox, offline');
  const queued = await storedValues(page);
  assert.equal(queued.outbox.length, 4);
  assert.equal(queued.files.filter((f) => f.key.startsWith('outbox/')).length, 2, 'the documents\' bytes, apart');
  for (const { key, bytes } of [...queued.outbox, ...queued.files]) {
    for (const word of ['Arachide', 'géante', 'Vertiges', 'Glycémie', 'glycemie']) {
      assert.ok(!contains(bytes, word), `${word} in clear in ${key}`);
    }
  }

  // Meanwhile, on another browser, the same allergy is changed.
  const tablet = await openPage(env.browser, { width: 768, height: 1024 }, { httpErrors: false });
  await logIn(tablet.page, 'lea.kerguelen@example.fr', PASSWORD);
  await hydrated(tablet.page, '/dossier/sante');
  const other = tablet.page.getByRole('region', { name: 'Profil de santé' });
  await other.getByRole('button', { name: /^Modifier : Latex/ }).click();
  await other.getByLabel('Réaction (facultatif)').fill('eczéma de contact');
  await other.getByRole('button', { name: 'Enregistrer la modification' }).click();
  await other.getByText('eczéma de contact').waitFor();

  // The phone's page is killed; the network comes back; a new page sends the outbox.
  await page.close();
  await phone.context.setOffline(false);
  page = await phone.context.newPage();
  await hydrated(page, '/dossier');
  await page.getByText('4 modification(s) en attente d\'envoi').waitFor();
  await page.getByText('Déverrouillez la copie pour les envoyer.').waitFor();
  await page.getByRole('link', { name: 'Déverrouiller sur la page Compte' }).click();
  const again = page.getByRole('region', { name: 'Mon dossier sans réseau' });
  await again.getByLabel('Code de l\'appareil').fill(CODE);
  await again.getByRole('button', { name: 'Déverrouiller' }).click();
  await tab(page, 'Santé').click();
  await page.getByRole('region', { name: 'Profil de santé' }).getByText('Arachide').waitFor();
  await tab(page, 'Accueil').click();

  // The edit met the tablet's: both versions are shown; the patient keeps hers.
  const conflict = page.getByRole('region', { name: 'Modifications faites sans réseau' });
  await conflict.getByText('Modifiée ailleurs entre-temps : les deux versions sont gardées, choisissez.').waitFor();
  // Side by side: the patient's version, and the one saved from the tablet.
  const versions = conflict.locator('.outbox__versions dd');
  await versions.filter({ hasText: 'urticaire géante' }).waitFor();
  await versions.filter({ hasText: 'eczéma de contact' }).waitFor();
  await assertAccessible(page, 'a conflict to decide');
  await conflict.getByRole('button', { name: 'Garder la mienne' }).click();
  await conflict.waitFor({ state: 'detached' });
  await tab(page, 'Santé').click();
  await page.getByRole('region', { name: 'Profil de santé' }).getByText(/urticaire géante/).waitFor();
  // On the server: the new entry once, and the allergy's history holds both versions.
  const server = await page.evaluate(async (record) => {
    const entries = await (await fetch(`/api/records/${record}/profile`)).json();
    const latex = entries.find((e) => e.entry.substance === 'Latex');
    const history = await (await fetch(`/api/records/${record}/profile/${latex.id}/history`)).json();
    return {
      peanuts: entries.filter((e) => e.entry.substance === 'Arachide').length,
      reactions: history.map((v) => v.entry.reaction),
    };
  }, record);
  assert.equal(server.peanuts, 1);
  assert.deepEqual(server.reactions, ['urticaire', 'eczéma de contact', 'urticaire géante']);
  // The note and the file are documents of her own, each once, with their words.
  const documents = await page.evaluate(async (record) => {
    const list = await (await fetch(`/api/records/${record}/documents`)).json();
    return Promise.all(list.map(async (d) => ({
      title: d.title,
      category: d.category,
      text: await (await fetch(`/api/records/${record}/documents/${d.id}/content`)).text(),
    })));
  }, record);
  documents.sort((a, b) => a.title.localeCompare(b.title));
  assert.deepEqual(documents, [
    { title: 'Compte rendu cardiologie', category: 'patient_own', text: 'Échographie cardiaque normale, FEVG 62 %.' },
    { title: 'Relevé de glycémie', category: 'patient_own', text: 'Glycémie à jeun 5,4 mmol/L, relevé personnel.' },
    { title: 'Vertiges du matin', category: 'patient_own', text: 'Vertiges au lever depuis lundi, tension 10/6.' },
  ]);
  const emptied = await storedValues(page);
  assert.deepEqual([emptied.outbox.length, emptied.files.filter((f) => f.key.startsWith('outbox/')).length], [0, 0]);
  await page.getByText(/en attente d'envoi/).waitFor({ state: 'detached' });

  // A flipped byte in the stored profile: it does not open, and the page says so.
  await page.evaluate((key) => new Promise((resolve, reject) => {
    const open = indexedDB.open('carnet-offline');
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('records', 'readwrite');
      const store = tx.objectStore('records');
      const read = store.get(key);
      read.onsuccess = () => {
        const bytes = new Uint8Array(read.result);
        bytes[Math.floor(bytes.length / 2)] ^= 0x01;
        store.put(bytes, key);
      };
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), `/api/records/${record}/profile`);
  await phone.context.setOffline(true);
  await page.reload();
  await unlockOnGate(page, CODE);
  await page.getByText('Une partie de la copie de cet appareil a été altérée : elle n\'a pas été ouverte.').waitFor();
  assert.equal(await page.getByRole('region', { name: 'Profil de santé' }).getByText('Arachide').count(), 0);

  // Logging out offline wipes everything the app kept; the server hears of it once online.
  await tab(page, 'Compte').click();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  const left = await page.evaluate(async () => ({
    databases: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
    workers: (await navigator.serviceWorker.getRegistrations()).length,
    storage: Object.keys(localStorage),
  }));
  assert.deepEqual(left, { databases: [], caches: [], workers: 0, storage: ['carnet.logout-pending'] });
  await phone.context.setOffline(false);
  await page.goto(env.server.url + '/');
  await waitForHydration(page);
  await page.waitForFunction(() => localStorage.getItem('carnet.logout-pending') === null);
  const session = await page.evaluate(async () => (await fetch('/api/account/me')).status);
  assert.equal(session, 401);

  await tablet.context.close();
  await phone.context.close();
});

test('ten wrong codes wipe the copy; a new build is announced and taken on request', async () => {
  await signUp('yann.le-goff@example.fr', 'Yann', 'Le Goff', PASSWORD);
  const phone = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  const { page } = phone;
  await logIn(page, 'yann.le-goff@example.fr', PASSWORD);
  await addEntries(page, [{ section: 'blood_group', group: 'a', rhesus: 'positive' }]);
  await hydrated(page, '/mon-compte');
  await availableOffline(page);
  const panel = page.getByRole('region', { name: 'Mon dossier sans réseau' });
  await panel.getByLabel('Code de l\'appareil').fill('482915');
  await panel.getByLabel('Le même code, une seconde fois').fill('482915');
  await panel.getByRole('button', { name: 'Garder une copie sur cet appareil' }).click();
  await panel.getByText('Copie chiffrée sur cet appareil : déverrouillée.').waitFor();

  await phone.context.setOffline(true);
  await page.reload();
  for (let left = 9; left >= 1; left--) {
    await unlockOnGate(page, `faux-${left}`);
    await page.getByText(`Code faux. Encore ${left} essai(s)`).waitFor();
  }
  await unlockOnGate(page, 'faux-0');
  await page.getByText('Dix codes faux : la copie de cet appareil a été effacée.', { exact: false }).waitFor();
  await assertAccessible(page, 'copy wiped');
  const databases = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  assert.deepEqual(databases, []);
  await phone.context.setOffline(false);

  // A new build: the worker changes; the app says so, and takes it when asked.
  const site = join(root, 'target/site');
  const worker = join(site, 'sw.js');
  const original = readFileSync(worker, 'utf8');
  const compressed = ['sw.js.br', 'sw.js.gz'].filter((name) => existsSync(join(site, name)));
  for (const name of compressed) renameSync(join(site, name), join(site, `${name}.kept`));
  try {
    writeFileSync(worker, `${original}\n// the next build\n`);
    await hydrated(page, '/dossier');
    // A second tab of the same app, open on another page.
    const other = await phone.context.newPage();
    await hydrated(other, '/mon-compte');
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    const ready = 'Une nouvelle version de Carnet est prête.';
    const notice = page.getByRole('status').filter({ hasText: ready });
    await notice.waitFor();
    await assertAccessible(page, 'new version announced');
    await other.getByRole('status').filter({ hasText: ready }).waitFor();
    await Promise.all([
      page.waitForEvent('load'),
      notice.getByRole('button', { name: 'Mettre à jour' }).click(),
    ]);
    await waitForHydration(page);
    assert.equal(await page.getByText(ready).count(), 0);
    // The other tab, still of the old build, takes the new one too when asked, though no
    // worker waits any more.
    await Promise.all([
      other.waitForEvent('load'),
      other.getByRole('status').filter({ hasText: ready }).getByRole('button', { name: 'Mettre à jour' }).click(),
    ]);
    await waitForHydration(other);
    assert.equal(await other.getByText(ready).count(), 0);
    await other.close();
    const active = await page.evaluate(async () => {
      const source = await (await fetch('/sw.js')).text();
      return source.includes('the next build') && navigator.serviceWorker.controller !== null;
    });
    assert.ok(active);
  } finally {
    writeFileSync(worker, original);
    for (const name of compressed) renameSync(join(site, `${name}.kept`), join(site, name));
  }
  await phone.context.close();
});

test('the copy locks itself after five minutes without a touch, not before', async () => {
  await signUp('morgane.riou@example.fr', 'Morgane', 'Riou', PASSWORD);
  const phone = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  const { page, context } = phone;
  // The page's clock is the test's: five minutes pass in a moment.
  await context.clock.install();
  await logIn(page, 'morgane.riou@example.fr', PASSWORD);
  await addEntries(page, [{ section: 'allergy', substance: 'Pénicilline', reaction: '', severity: 'severe' }]);
  await hydrated(page, '/mon-compte');
  // Installed: the app shell is kept (offline, the unlock's code comes from there if needed).
  await availableOffline(page);
  const panel = page.getByRole('region', { name: 'Mon dossier sans réseau' });
  await panel.getByLabel('Code de l\'appareil').fill(CODE);
  await panel.getByLabel('Le même code, une seconde fois').fill(CODE);
  await panel.getByRole('button', { name: 'Garder une copie sur cet appareil' }).click();
  await panel.getByText('Copie chiffrée sur cet appareil : déverrouillée.').waitFor();

  // Four minutes idle, a touch, four more: still open.
  await context.clock.fastForward('04:00');
  await page.getByRole('heading', { level: 1 }).click();
  await context.clock.fastForward('04:00');
  await context.clock.fastForward('00:20');
  assert.equal(await panel.getByText('Copie chiffrée sur cet appareil : déverrouillée.').count(), 1);
  // Past five minutes without a touch: locked, and offline nothing of the record shows.
  await context.clock.fastForward('01:30');
  await panel.getByText('Copie chiffrée sur cet appareil : verrouillée.').waitFor();
  await context.setOffline(true);
  await page.getByRole('heading', { name: 'Déverrouiller Carnet' }).waitFor();
  assert.equal(await page.getByText('Pénicilline').count(), 0);
  await assertAccessible(page, 'locked by inactivity');
  await unlockOnGate(page, CODE);
  await tab(page, 'Santé').click();
  const profile = page.getByRole('region', { name: 'Profil de santé' });
  await profile.getByText('Pénicilline').waitFor();

  // A change still waiting: logging out says it would be lost, and needs a second press.
  await profile.getByRole('button', { name: 'Ajouter au profil' }).click();
  await profile.getByLabel('Rubrique').selectOption('allergies');
  await profile.getByLabel('Substance').fill('Iode');
  await profile.getByLabel('Gravité').selectOption('moderate');
  await profile.getByRole('button', { name: 'Ajouter' }).click();
  await page.getByText('1 modification(s) en attente d\'envoi').waitFor();
  await tab(page, 'Compte').click();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('alert').filter({ hasText: '1 modification(s) faite(s) sans réseau ne sont pas encore envoyées' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/mon-compte');
  await assertAccessible(page, 'logout with changes unsent');
  await page.getByRole('button', { name: 'Se déconnecter quand même' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  assert.deepEqual(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), []);
  await context.close();
});

test('code that cannot be fetched leaves the app working and says what is missing, until the network returns', async () => {
  // No service worker (it would answer from its copy): every chunk request reaches the network,
  // where this test refuses them, as a network gone before the worker kept them would.
  const phone = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false, serviceWorkers: 'block' });
  const { page, context } = phone;
  const chunks = /\/pkg\/(chunk|split)_[\w-]+\.wasm$/;
  await context.route(chunks, (route) => route.abort('internetdisconnected'));
  // A device that holds nothing offline never asks for the offline part's code.
  const offlineModule = /\/pkg\/split_(\w+-)*offline(-\w+)*\.wasm$/;
  const loader = await (await fetch(`${env.server.url}/pkg/__wasm_split.js`)).text();
  assert.ok(loader.split('"').some((text) => offlineModule.test(`/pkg/${text.replace('./', '')}`)), 'the offline part has a module of its own');
  const offlineCode = [];
  page.on('request', (request) => { if (offlineModule.test(request.url())) offlineCode.push(request.url()); });
  await hydrated(page, '/');
  const missing = page.getByRole('alert').filter({ hasText: 'une partie de Carnet n\'est pas encore sur cet appareil' });

  // A lazily loaded page: in its place, what is missing and why (the header says so too); the
  // rest of the app still works.
  await page.getByRole('link', { name: 'Mon compte', exact: true }).click();
  await page.getByRole('heading', { name: 'Page indisponible sans réseau' }).waitFor();
  await missing.waitFor();
  await page.getByText('Cette page n\'est pas encore gardée sur cet appareil. Elle s\'ouvrira dès le retour du réseau.').waitFor();
  await assertAccessible(page, 'a page missing');
  await page.getByRole('button', { name: 'Réessayer' }).click();
  await page.getByRole('heading', { name: 'Page indisponible sans réseau' }).waitFor();
  await page.getByRole('link', { name: 'Carnet', exact: true }).click();
  await page.getByRole('heading', { name: 'Votre dossier médical partagé, qui vous appartient' }).waitFor();
  await page.getByRole('link', { name: 'Mon compte', exact: true }).click();
  await page.getByRole('heading', { name: 'Page indisponible sans réseau' }).waitFor();

  // The network returns: the page loads by itself, and the header's notice goes.
  await context.unroute(chunks);
  await context.setOffline(true);
  await page.getByRole('status').filter({ hasText: 'Hors ligne' }).waitFor();
  await context.setOffline(false);
  await page.getByRole('heading', { name: 'Mon compte', level: 1 }).waitFor();
  await missing.waitFor({ state: 'detached' });
  assert.equal(await page.getByRole('heading', { name: 'Page indisponible sans réseau' }).count(), 0);
  await assertAccessible(page, 'the page loaded once the network returned');
  assert.deepEqual(offlineCode, [], 'no offline code fetched for a device that holds nothing');
  await context.close();
});
