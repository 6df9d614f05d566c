// throwaway: CPU profile of a page's hydration, by wasm function name
import { startServer, launchBrowser } from './server.mjs';
import { writeFileSync } from 'node:fs';
const server = await startServer();
const call = async (method, path, body, headers = {}) => {
  const a = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!a.ok) throw new Error(`${method} ${path}: ${a.status} ${await a.text()}`);
  return a;
};
const sent = await (await call('POST', '/api/account/signup', { contact: 'p@example.fr', given_name: 'Jeanne', family_name: 'Martin', birth_date: '1950-03-02', password: 'marée basse à Étretat' })).json();
const verified = await call('POST', '/api/account/verify', { challenge: sent.challenge, code: server.latestCode() });
const cookie = verified.headers.getSetCookie().find((c) => c.startsWith('carnet_session=')).split(';')[0];
const me = await verified.json();
const auth = { cookie, 'x-csrf-token': me.csrf_token };
const record = `/api/records/${me.id}`;
for (let i = 1; i <= 200; i++) {
  const bytes = new TextEncoder().encode(`Compte rendu ${i}\nTension 12/8.\n`);
  const day = String(1 + (i % 28)).padStart(2, '0');
  const meta = { title: `Compte rendu ${i}`, category: 'patient_own', care_date: `2026-10-${day}`, media_type: 'text/plain', size: bytes.length };
  const upload = await (await call('POST', `${record}/uploads`, meta, auth)).json();
  await fetch(`${server.url}${record}/uploads/${upload.upload_id}?offset=0`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes });
  await call('POST', `${record}/uploads/${upload.upload_id}/finish`, undefined, auth);
}
const pro = await server.cardSession('10000000009', '2468');
await call('PUT', `/api/records/${me.id}/grants/10000000009`, { scope: 'all' }, auth);
const browser = await launchBrowser();
const which = process.argv[2] ?? 'pro';
const [path, c] = which === 'pro' ? [`/pro/dossier/${me.id}`, pro] : [which, cookie];
const context = await browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: 'block', locale: 'fr-FR' });
const [name, value] = c.split('=');
await context.addCookies([{ name, value, url: server.url }]);
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
await page.goto(server.url + path);
await page.waitForSelector('html[data-hydrated="true"]', { timeout: 60_000 });
await page.waitForTimeout(1500);
const { profile } = await cdp.send('Profiler.stop');
writeFileSync('/tmp/prof/profile.cpuprofile', JSON.stringify(profile));
// self time per function
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas; let total = 0;
profile.samples.forEach((id, k) => { const n = byId.get(id); const key = n.callFrame.functionName || `(${n.callFrame.url.split('/').pop()})`; self.set(key, (self.get(key) || 0) + (dt[k] || 0)); total += dt[k] || 0; });
console.log('total ms', Math.round(total / 1000));
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(String(Math.round(v / 1000)).padStart(6), k.slice(0, 160));
// inclusive time per function
const parent = new Map(); for (const n of profile.nodes) for (const ch of n.children || []) parent.set(ch, n.id);
const incl = new Map();
profile.samples.forEach((id, k) => { const seen = new Set(); let cur = id; while (cur) { const n = byId.get(cur); const key = n.callFrame.functionName || '?'; if (!seen.has(key)) { seen.add(key); incl.set(key, (incl.get(key) || 0) + (dt[k] || 0)); } cur = parent.get(cur); } });
console.log('--- inclusive');
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(String(Math.round(v / 1000)).padStart(6), k.slice(0, 160));
await browser.close();
await server.stop();
