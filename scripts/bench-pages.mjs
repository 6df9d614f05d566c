// Benchmark of the patient's pages on a phone: starts the real server (the binary in CARNET_BIN,
// e.g. `target/release/carnet` after `cargo build --release -p server`, or the debug build as the
// end-to-end tests do; the site from target/site), creates a patient with ten health-profile
// entries, runs Lighthouse's mobile preset (simulated slow 4G: 150 ms RTT, 1.6 Mbps; 4× CPU
// slowdown) with Debian's Chromium on every page, then again on the record with 200 documents
// and 24 months of care history from the insurer's feed,
// and prints one Markdown table: performance score, LCP, TBT, CLS, bytes and requests of a first
// visit, each the run of median score among RUNS (3). Times vary from run to run; the bytes do
// not. Asserts nothing. The professional's pages are measured with Dr Martin of
// `demo/directory.json`, granted the record, logged in with a card the server's own command
// issues.
//
//   node scripts/bench-pages.mjs              # Lighthouse from LIGHTHOUSE, or npx lighthouse@12.8.2
//   CARNET_BIN=target/release/carnet node scripts/bench-pages.mjs
//   ONLY=/pro RUNS=1 CARNET_BIN=target/release/carnet node scripts/bench-pages.mjs   # some pages
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../tests/e2e/server.mjs';

const PASSWORD = 'marée basse à Étretat';
const DOCTOR = '10000000009';
const PIN = '2468';
const DOCUMENTS = 200;
// The bench patient's INS, before its key.
const INS_DIGITS = '1750276123456';
const CHROME_FLAGS = '--headless --no-sandbox --disable-gpu --disable-background-networking '
  + '--disable-component-update --disable-sync --no-first-run';

const server = await startServer();
try {
  const patient = await server.signUpPatient('bench.pages@example.fr', PASSWORD);
  const { me, auth } = patient;
  // Whose pages Lighthouse asks for: the patient's, then the professional's.
  let { cookie } = patient;
  const record = `/api/records/${me.id}`;

  // Ten profile entries, as a patient with a few conditions has them.
  const entries = [
    { section: 'blood_group', group: 'o', rhesus: 'negative' },
    { section: 'allergy', substance: 'Pénicilline', reaction: 'œdème de Quincke', severity: 'life_threatening' },
    { section: 'allergy', substance: 'Latex', reaction: 'eczéma', severity: 'mild' },
    { section: 'condition', name: 'Diabète de type 2', since: '2015-06-01' },
    { section: 'condition', name: 'Hypertension artérielle', since: '2012-01-15' },
    { section: 'measurement', kind: 'weight', value: 71.5, date: '2026-10-01' },
    { section: 'measurement', kind: 'weight', value: 70.8, date: '2026-11-01' },
    { section: 'emergency_contact', name: 'Paul Martin', relation: 'fils', phone: '+33612345678' },
    { section: 'advance_directives', text: 'Personne de confiance : Paul Martin.', date: '2024-02-01' },
    { section: 'emergency_contact', name: 'Claire Martin', relation: 'fille', phone: '+33698765432' },
  ];
  for (const entry of entries) await server.call('POST', `${record}/profile`, { entry }, auth);

  const lighthouse = process.env.LIGHTHOUSE ? [process.env.LIGHTHOUSE] : ['npx', '--yes', 'lighthouse@12.8.2'];
  const dir = mkdtempSync(join(tmpdir(), 'carnet-pages-'));
  const rows = [];
  // Each page is measured RUNS times (3 unless the environment says) and the run of median
  // score is reported: one run's TBT varies by a factor of two on a shared two-core machine.
  const runs = Number(process.env.RUNS ?? 3);
  let reports = 0;
  // ONLY=/pro measures the pages whose path starts so, and skips the others.
  const measure = (label, path, signedIn) => {
    if (process.env.ONLY && !path.startsWith(process.env.ONLY)) return;
    const measured = [];
    for (let n = 0; n < runs; n++) {
      const out = join(dir, `${reports++}.json`);
      const run = () => execFileSync(lighthouse[0], [...lighthouse.slice(1), server.url + path,
        '--only-categories=performance', '--output=json', `--output-path=${out}`, '--quiet',
        `--chrome-flags=${CHROME_FLAGS}`,
        ...(signedIn ? [`--extra-headers=${JSON.stringify({ Cookie: cookie })}`] : []),
      ], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' } });
      // Lighthouse sometimes fails to record its own trace (NO_NAVSTART): that run measured
      // nothing, so it is run again, twice at most.
      for (let attempt = 1; ; attempt += 1) {
        try { run(); break; } catch (error) { if (attempt === 3) throw error; }
      }
      const report = JSON.parse(readFileSync(out, 'utf8'));
      const value = (name) => report.audits[name].numericValue;
      measured.push({
        label,
        score: Math.round(report.categories.performance.score * 100),
        lcp: `${(value('largest-contentful-paint') / 1000).toFixed(1)} s`,
        tbt: `${Math.round(value('total-blocking-time'))} ms`,
        cls: value('cumulative-layout-shift').toFixed(3),
        bytes: `${Math.round(value('total-byte-weight') / 1024)} KiB`,
        requests: report.audits['network-requests'].details.items.length,
      });
    }
    measured.sort((a, b) => a.score - b.score);
    rows.push({ ...measured[Math.floor(measured.length / 2)], scores: measured.map((row) => row.score).join(', ') });
    process.stderr.write(`[bench-pages] ${label}: ${rows.at(-1).score} (${rows.at(-1).scores})\n`);
  };

  measure('`/`', '/', false);
  measure('`/connexion`', '/connexion', false);
  measure('`/dossier`, no document', '/dossier', true);
  measure('`/dossier/urgence`', '/dossier/urgence', true);
  for (let i = 1; i <= DOCUMENTS; i++) await server.depositNote(auth, me.id, i);
  measure(`\`/dossier\`, ${DOCUMENTS} documents`, '/dossier', true);
  measure(`\`/dossier/documents\`, ${DOCUMENTS} documents`, '/dossier/documents', true);
  measure('`/dossier/sante`', '/dossier/sante', true);
  measure('`/dossier/partage`', '/dossier/partage', true);
  measure('`/mon-compte`', '/mon-compte', true);

  // The professional, granted the record, with a card the server's own command issues (which
  // imports the directory the grant names her from).
  const patientCookie = cookie;
  cookie = await server.cardSession(DOCTOR, PIN);
  await server.call('PUT', `${record}/grants/${DOCTOR}`, { scope: 'all' }, auth);
  // The care history: the INS declared and verified, then 24 months of care from the insurer's
  // feed (a consultation, a lab test and a pharmacy dispense each month, and a few more).
  const ins = INS_DIGITS + String(97n - (BigInt(INS_DIGITS) % 97n)).padStart(2, '0');
  await server.call('PUT', `${record}/identity`, { ins }, auth);
  const pro = await (await server.call('GET', '/api/pro/me', undefined, { cookie })).json();
  await server.call('PUT', `${record}/identity`, { ins }, { cookie, 'x-csrf-token': pro.csrf_token });
  const token = server.command(['feed', 'add', 'bench']).trim().split('\n').at(-1);
  const day = (months, d) => new Date(Date.now() - (months * 30 + d) * 86_400_000).toISOString().slice(0, 10);
  const care = (id, date, category, code, display) => ({
    resourceType: 'ExplanationOfBenefit', status: 'active',
    identifier: [{ system: 'https://assurance-maladie.example/eob', value: id }],
    patient: { identifier: { system: 'urn:oid:1.2.250.1.213.1.4.8', value: ins } },
    provider: { display: 'Dr Anne Martin' },
    item: [{ category: { coding: [{ code: category }] }, servicedDate: date,
      productOrService: { coding: [{ system: 'https://nomenclature.example', code, display }] } }],
    total: [{ category: { coding: [{ code: 'submitted' }] }, amount: { value: 30, currency: 'EUR' } },
      { category: { coding: [{ code: 'benefit' }] }, amount: { value: 21, currency: 'EUR' } }],
  });
  const entry = [];
  for (let m = 0; m < 24; m++) {
    entry.push(care(`c${m}`, day(m, 2), '3', 'G', 'Consultation de médecine générale'));
    entry.push(care(`l${m}`, day(m, 4), '5', '1577', 'Hémoglobine glyquée'));
    entry.push(care(`a${m}`, day(m, 6), '1', 'AMI', 'Soins infirmiers'));
    entry.push({ resourceType: 'MedicationDispense', status: 'completed',
      identifier: [{ system: 'https://assurance-maladie.example/dispense', value: `d${m}` }],
      subject: { identifier: { system: 'urn:oid:1.2.250.1.213.1.4.8', value: ins } },
      medicationCodeableConcept: { coding: [{ system: 'urn:oid:1.2.250.1.213.2.3.2', code: '3400930264546', display: 'COUMADINE 2 mg' }] },
      quantity: { value: 1 }, daysSupply: { value: 30 }, whenHandedOver: `${day(m, 1)}T10:00:00Z` });
  }
  const fed = await fetch(`${server.url}/api/feed/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: entry.map((resource) => ({ resource })) }),
  });
  if (!fed.ok) throw new Error(`feed: ${fed.status}`);
  // The patient's care page, as the patient; then the professional's pages.
  const proCookie = cookie;
  cookie = patientCookie;
  measure(`\`/dossier/soins\`, ${entry.length} lines`, '/dossier/soins', true);
  cookie = proCookie;
  measure('`/pro`', '/pro', true);
  measure(`\`/pro/dossier/…/documents\`, ${DOCUMENTS} documents`, `/pro/dossier/${me.id}/documents`, true);
  measure('`/pro/dossier/…/sante`', `/pro/dossier/${me.id}/sante`, true);
  measure(`\`/pro/dossier/…/soins\`, ${entry.length} lines`, `/pro/dossier/${me.id}/soins`, true);

  const version = JSON.parse(readFileSync(join(dir, '0.json'), 'utf8')).lighthouseVersion;
  console.log(`Lighthouse ${version}, mobile preset (simulated throttling), ${process.env.CARNET_BIN ?? 'debug'} server, median of ${runs} runs\n`);
  console.log('| page | performance (runs) | LCP | TBT | CLS | bytes | requests |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(`| ${row.label} | ${row.score} (${row.scores}) | ${row.lcp} | ${row.tbt} | ${row.cls} | ${row.bytes} | ${row.requests} |`);
  }
} finally {
  await server.stop();
}
