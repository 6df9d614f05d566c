// Benchmark of opening the record offline: starts the real server (debug build and target/site,
// as the end-to-end tests do), gives a patient 100 documents, keeps the encrypted copy in Debian's
// headless Chromium, then, with the network off, reloads and times from the device code's submit
// to the 100-document list on screen: PBKDF2 (600,000 rounds), unwrapping the key, opening the
// cached answers, rendering. Five runs; prints the median, best and worst, and the part taken by
// the key derivation. Asserts no time.
//
//   node scripts/bench-offline.mjs
import { availableOffline, launchBrowser, startServer, waitForHydration, watchPanics } from '../tests/e2e/server.mjs';

const PASSWORD = 'phare du bout du monde';
const CODE = '731 Goélette';
const DOCUMENTS = 100;
const RUNS = 5;

// The browser first: if it cannot start, no server is left running.
const browser = await launchBrowser();
const server = await startServer();
try {
  const post = (path, body, headers = {}) => fetch(server.url + path, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  });
  const sent = await (await post('/api/account/signup', {
    contact: 'bench.offline@example.fr', given_name: 'Jeanne', family_name: 'Martin', birth_date: '1950-03-02', password: PASSWORD,
  })).json();
  const verified = await post('/api/account/verify', { challenge: sent.challenge, code: server.latestCode() });
  const cookie = verified.headers.getSetCookie().find((c) => c.startsWith('carnet_session=')).split(';')[0];
  const me = await (await fetch(server.url + '/api/account/me', { headers: { cookie } })).json();
  const auth = { cookie, 'x-csrf-token': me.csrf_token };
  for (let i = 1; i <= DOCUMENTS; i++) {
    const bytes = new TextEncoder().encode(`Compte rendu ${i}\nTension 12/8, poids stable.\n`);
    const meta = {
      title: `Compte rendu ${i}`, category: 'patient_own', care_date: '2026-11-20', media_type: 'text/plain', size: bytes.length,
    };
    const upload = await (await post(`/api/records/${me.id}/uploads`, meta, auth)).json();
    await fetch(`${server.url}/api/records/${me.id}/uploads/${upload.upload_id}?offset=0`, {
      method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes,
    });
    const done = await fetch(`${server.url}/api/records/${me.id}/uploads/${upload.upload_id}/finish`, { method: 'POST', headers: auth });
    if (!done.ok) throw new Error(`document ${i} refused: ${done.status}`);
  }

  const context = await browser.newContext({ viewport: { width: 320, height: 640 }, locale: 'fr-FR' });
  const panics = watchPanics(context);
  // A run that never shows the list fails with what the page said, rather than waiting forever.
  const within = (promise, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(
    () => reject(new Error(`${what}: not done in 30 s; the page said: ${panics.join(' | ') || 'nothing'}`)), 30_000))]);
  const [name, value] = cookie.split('=');
  await context.addCookies([{ name, value, url: server.url }]);
  const page = await context.newPage();
  await page.goto(server.url + '/dossier');
  await waitForHydration(page);
  await availableOffline(page);
  const panel = page.getByRole('region', { name: 'Mon dossier sans réseau' });
  await panel.getByLabel('Code de l\'appareil').fill(CODE);
  await panel.getByLabel('Le même code, une seconde fois').fill(CODE);
  await panel.getByRole('button', { name: 'Garder une copie sur cet appareil' }).click();
  await panel.getByText('Copie chiffrée sur cet appareil : déverrouillée.').waitFor();
  // The copy holds the document list (written after the unlock, from the server's answer).
  await page.waitForFunction(async () => {
    const db = await new Promise((resolve) => { const r = indexedDB.open('carnet-offline'); r.onsuccess = () => resolve(r.result); });
    const keys = await new Promise((resolve) => { const r = db.transaction('records').objectStore('records').getAllKeys(); r.onsuccess = () => resolve(r.result); });
    db.close();
    return keys.some((key) => String(key).endsWith('/documents'));
  });

  await context.setOffline(true);
  const totals = [];
  const derivations = [];
  for (let run = 0; run < RUNS; run++) {
    await page.reload();
    await page.getByLabel('Code de l\'appareil').fill(CODE);
    // Watches for the list from before the click, in the page, so the figure is the page's own.
    const shown = page.evaluate((expected) => new Promise((resolve) => {
      const done = () => {
        if (document.querySelectorAll('.document__title').length < expected) return false;
        const start = performance.getEntriesByName('carnet:unlock-start')[0].startTime;
        const unlocked = performance.getEntriesByName('carnet:unlocked')[0].startTime;
        resolve({ total: performance.now() - start, derivation: unlocked - start });
        return true;
      };
      const observer = new MutationObserver(() => { if (done()) observer.disconnect(); });
      observer.observe(document.body, { childList: true, subtree: true });
    }), DOCUMENTS);
    await page.getByRole('button', { name: 'Déverrouiller' }).click();
    const figures = await within(shown, `run ${run + 1}`);
    totals.push(figures.total);
    derivations.push(figures.derivation);
  }
  if (panics.length) throw new Error(`the app panicked: ${panics.join(' | ')}`);
  const sorted = (values) => [...values].sort((a, b) => a - b);
  const t = sorted(totals), d = sorted(derivations);
  const mid = Math.floor(RUNS / 2);
  console.log(`BENCH unlock + decrypt + render of ${DOCUMENTS} documents, offline: median ${t[mid].toFixed(0)} ms (best ${t[0].toFixed(0)}, worst ${t[RUNS - 1].toFixed(0)})`);
  console.log(`BENCH of which unlocking (PBKDF2 600,000 rounds + unwrapping): median ${d[mid].toFixed(0)} ms`);
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}
