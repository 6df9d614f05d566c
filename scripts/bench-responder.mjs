// Benchmark of the responder's page: starts the real server (debug build and target/site, as
// the end-to-end tests do), creates a patient with a realistic summary and a share link
// (encrypted here exactly as the browser does: JWE dir/A256GCM), then runs Lighthouse's mobile
// preset (simulated slow 4G, 4× CPU slowdown) on the link with Debian's Chromium and prints the
// performance score, first and largest contentful paint, and the bytes transferred.
//
//   node scripts/bench-responder.mjs          # Lighthouse from LIGHTHOUSE, or npx lighthouse@12.8.2
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../tests/e2e/server.mjs';

const PASSWORD = 'marée basse à Étretat';
const server = await startServer();
try {
  const post = (path, body, cookie, csrf) => fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}), ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    body: JSON.stringify(body),
  });
  const sent = await (await post('/api/account/signup', {
    contact: 'bench@example.fr', given_name: 'Jeanne', family_name: 'Martin', birth_date: '1950-03-02', password: PASSWORD,
  })).json();
  const verified = await post('/api/account/verify', { challenge: sent.challenge, code: server.latestCode() });
  const cookie = verified.headers.getSetCookie().find((c) => c.startsWith('carnet_session=')).split(';')[0];
  const me = await verified.json();

  const item = (id, entry) => ({ id, entry });
  const summary = {
    version: 1,
    patient: { given_name: 'Jeanne', family_name: 'Martin', birth_date: '1950-03-02' },
    as_of: new Date().toISOString().slice(0, 10),
    parts: [
      { part: 'blood_group', items: [item('b', { section: 'blood_group', group: 'o', rhesus: 'negative' })] },
      { part: 'allergies', items: [
        item('a1', { section: 'allergy', substance: 'Pénicilline', reaction: 'œdème de Quincke', severity: 'life_threatening' }),
        item('a2', { section: 'allergy', substance: 'Iode', reaction: 'urticaire', severity: 'moderate' }),
        item('a3', { section: 'allergy', substance: 'Latex', reaction: 'eczéma', severity: 'mild' }),
      ] },
      { part: 'medications', items: ['Warfarine 5 mg le soir', 'Bisoprolol 5 mg le matin', 'Metformine 1 g matin et soir', 'Atorvastatine 20 mg', 'Lévothyroxine 75 µg']
        .map((text, i) => item(`t${i}`, { section: 'treatment', substance: text.split(' ')[0], dose: text.split(' ').slice(1).join(' '), prescriber: '', since: '2020-01-01', until: null })) },
      { part: 'problems', items: ['Fibrillation atriale', 'Diabète de type 2', 'Hypothyroïdie']
        .map((name, i) => item(`c${i}`, { section: 'condition', name, since: '2015-06-01', until: null })) },
      { part: 'advance_directives', items: [item('d', { section: 'advance_directives', text: 'Pas d\'acharnement thérapeutique ; personne de confiance : Paul Martin.', date: '2024-02-01' })] },
      { part: 'emergency_contacts', items: [
        item('p1', { section: 'emergency_contact', name: 'Paul Martin', relation: 'fils', phone: '+33612345678' }),
        item('p2', { section: 'emergency_contact', name: 'Claire Martin', relation: 'fille', phone: '+33698765432' }),
      ] },
    ],
    regular_doctor: null,
  };
  const key = randomBytes(32);
  const jwe = (plain) => {
    const header = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM' })).toString('base64url');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(header));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    return [header, '', iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  };
  const created = await (await post(`/api/records/${me.id}/emergency-links`, {
    jwe: jwe(JSON.stringify(summary)), fhir_jwe: jwe('{"resourceType":"Bundle"}'), days: 365,
  }, cookie, me.csrf_token)).json();
  const payload = { url: created.manifest_url, key: key.toString('base64url'), exp: created.expires_at, flag: 'L', label: 'Carnet', v: 1 };
  const url = `${server.url}/urgence.html#shlink:/${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;

  const out = join(mkdtempSync(join(tmpdir(), 'carnet-lh-')), 'report.json');
  const lighthouse = process.env.LIGHTHOUSE ? [process.env.LIGHTHOUSE] : ['npx', '--yes', 'lighthouse@12.8.2'];
  execFileSync(lighthouse[0], [...lighthouse.slice(1), url,
    '--only-categories=performance', '--output=json', `--output-path=${out}`, '--quiet',
    '--chrome-flags=--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run',
  ], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' } });
  const report = JSON.parse(readFileSync(out, 'utf8'));
  const audit = (name) => report.audits[name].numericValue;
  const requests = report.audits['network-requests'].details.items;
  console.log(`Lighthouse ${report.lighthouseVersion}, ${report.configSettings.formFactor}, ${report.configSettings.throttlingMethod} throttling`);
  console.log(`performance score        ${Math.round(report.categories.performance.score * 100)}`);
  console.log(`first contentful paint   ${Math.round(audit('first-contentful-paint'))} ms`);
  console.log(`largest contentful paint ${Math.round(audit('largest-contentful-paint'))} ms (the summary)`);
  console.log(`total blocking time      ${Math.round(audit('total-blocking-time'))} ms`);
  console.log(`transferred              ${audit('total-byte-weight')} bytes in ${requests.length} requests`);
  for (const request of requests) console.log(`  ${String(request.transferSize).padStart(7)}  ${new URL(request.url).pathname}`);
} finally {
  await server.stop();
}
