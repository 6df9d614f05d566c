// Load benchmark of the release server on loopback, on each database (issue 24's figures):
//   node scripts/bench-load.mjs [--documents 1000] [--seconds 10] [--connections 64] [--only sqlite|postgres]
// Builds nothing: run `cargo build --release -p server --bin carnet` and `scripts/build-site.sh`
// first (scripts/run.sh does both). Installs Debian's `wrk` if missing. For each database: a
// patient with N text documents, then, with wrk (64 connections, --latency): /healthz, a
// document's content (an authorised read and its audit entry), the first timeline page and the
// first document-list page, the FHIR endpoint's `$summary` and three searches (a profile of ten
// entries, the first 20 documents, the first 20 of a category); then, closed-loop from this script (64 clients, each request's
// time): 100 KB deposits (three requests each: start, bytes, finish). Logins are measured by
// `cargo bench -p server --bench login` (one account here would meet its own rate limit).
// Memory is the server's resident set at rest (after the set-up) and its peak after the load.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values: options } = parseArgs({
  options: {
    documents: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    only: { type: 'string' },
  },
});
const DOCUMENTS = Number(options.documents);
const SECONDS = Number(options.seconds);
const CONNECTIONS = Number(options.connections);
const binary = join(root, 'target/release/carnet');
if (!existsSync(binary)) throw new Error('build the release server first: cargo build --release -p server --bin carnet');
if (spawnSync('wrk', ['--version']).error?.code === 'ENOENT') {
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit' });
}

const kib = (pid, field) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]);

async function start(database) {
  const dataDir = mkdtempSync(join(tmpdir(), 'carnet-load-'));
  const storage = database ? ['--database-url', database] : [];
  const env = { ...process.env, CARNET_MASTER_KEY: randomBytes(32).toString('base64'), CARNET_AUDIT_KEY: randomBytes(32).toString('base64') };
  const child = spawn(binary, ['--bind', '127.0.0.1:0', '--data-dir', dataDir, '--site-root', join(root, 'target/site'), '--log-level', 'error', ...storage],
    { stdio: ['ignore', 'pipe', 'inherit'], env });
  const url = await new Promise((done, fail) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/running at (http:\/\/[^/\s]+)\//);
      if (match) done(match[1]);
    });
    child.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
  });
  const command = (args) => execFileSync(binary, ['--data-dir', dataDir, '--log-level', 'error', ...storage, ...args], { encoding: 'utf8', env });
  return { url, child, command, dataDir };
}

async function call(url, method, path, body, headers = {}) {
  const raw = Buffer.isBuffer(body);
  const answer = await fetch(url + path, {
    method,
    headers: raw ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
  return answer;
}

async function deposit(url, record, auth, title, bytes) {
  const meta = { title, category: 'patient_own', care_date: '2026-10-01', media_type: 'text/plain', size: bytes.length };
  const upload = await (await call(url, 'POST', `${record}/uploads`, meta, auth)).json();
  await call(url, 'PUT', `${record}/uploads/${upload.upload_id}?offset=0`, bytes, { ...auth, 'content-type': 'application/octet-stream' });
  return (await (await call(url, 'POST', `${record}/uploads/${upload.upload_id}/finish`, undefined, auth)).json()).id;
}

// `clients` loops, each running `task` until `seconds` have passed: successes per second,
// percentiles of their times, and how many failed (an error answer, a timeout).
async function closedLoop(clients, seconds, task) {
  const times = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let n = 0; performance.now() < end; n += 1) {
      const began = performance.now();
      try {
        await task(client, n);
        times.push(performance.now() - began);
      } catch (error) {
        errors += 1;
        if (errors === 1) process.stderr.write(`first failure: ${error.message}\n`);
      }
    }
  }));
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { rate: times.length / seconds, p50: at(0.5), p99: at(0.99), errors };
}

function wrk(url, cookie) {
  const out = execFileSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-H', `cookie: ${cookie}`, url], { encoding: 'utf8' });
  const ms = (text) => {
    const [, value, unit] = text.match(/([\d.]+)(us|ms|s)/);
    return Number(value) * { us: 0.001, ms: 1, s: 1000 }[unit];
  };
  const errors = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0)
    + Number(out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  return {
    errors,
    rate: Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]),
    p50: ms(out.match(/^\s+50%\s+(\S+)/m)[1]),
    p99: ms(out.match(/^\s+99%\s+(\S+)/m)[1]),
  };
}

async function bench(name, database) {
  const server = await start(database);
  const signup = await (await call(server.url, 'POST', '/api/account/signup', {
    contact: 'jeanne@example.fr', given_name: 'Jeanne', family_name: 'Martin', birth_date: '1950-03-02', password: 'correct-horse-battery-staple',
  })).json();
  const code = server.command(['outbox', '--limit', '1']).match(/\b(\d{6})\b/)[1];
  const verified = await call(server.url, 'POST', '/api/account/verify', { challenge: signup.challenge, code });
  const cookie = verified.headers.getSetCookie().find((c) => c.startsWith('carnet_session=')).split(';')[0];
  const me = await verified.json();
  const auth = { cookie, 'x-csrf-token': me.csrf_token };
  const record = `/api/records/${me.id}`;
  let first;
  for (let done = 0; done < DOCUMENTS; done += 16) {
    const ids = await Promise.all(Array.from({ length: Math.min(16, DOCUMENTS - done) }, (_, i) =>
      deposit(server.url, record, auth, `Compte rendu ${done + i}`, Buffer.from(`Compte rendu ${done + i}\nTension 12/8.\n`))));
    first ??= ids[0];
    process.stderr.write(`\r[${name}] ${Math.min(done + 16, DOCUMENTS)}/${DOCUMENTS} documents`);
  }
  process.stderr.write('\n');
  // A health profile of ten entries, for the FHIR endpoint's summary and searches.
  for (const [i, substance] of ['Pénicilline', 'Ézétimibe', 'Arachide', 'Latex', 'Iode'].entries()) {
    await call(server.url, 'POST', `${record}/profile`, { entry: { section: 'allergy', substance, reaction: 'urticaire', severity: 'moderate' } }, auth);
    await call(server.url, 'POST', `${record}/profile`, { entry: { section: 'condition', name: `Affection ${i}`, since: '2015-06-01' } }, auth);
  }
  const rest = kib(server.child.pid, 'VmRSS');
  const rows = [];
  const row = (what, figures) => {
    rows.push({ what, ...figures });
    process.stderr.write(`[${name}] ${what}: ${figures.rate.toFixed(0)}/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms, ${figures.errors} failed\n`);
  };
  row('/healthz', wrk(`${server.url}/healthz`, cookie));
  row('document content (audited read)', wrk(`${server.url}${record}/documents/${first}/content`, cookie));
  row(`timeline, first page (${DOCUMENTS} documents)`, wrk(`${server.url}${record}/timeline`, cookie));
  row(`document list, first page (${DOCUMENTS} documents)`, wrk(`${server.url}${record}/documents/pages/1`, cookie));
  const fhir = `${server.url}/fhir/r4`;
  row('FHIR Patient/$summary (IPS)', wrk(`${fhir}/Patient/${me.id}/$summary`, cookie));
  row('FHIR AllergyIntolerance search', wrk(`${fhir}/AllergyIntolerance?patient=${me.id}`, cookie));
  row(`FHIR DocumentReference search, 20 of ${DOCUMENTS}`, wrk(`${fhir}/DocumentReference?patient=${me.id}&_count=20`, cookie));
  row(`FHIR DocumentReference search by category, 20 of ${DOCUMENTS}`, wrk(`${fhir}/DocumentReference?patient=${me.id}&category=patient_own&_count=20`, cookie));
  const hundredKb = Buffer.alloc(100 * 1024, 'a');
  row('100 KB deposit (3 requests)', await closedLoop(CONNECTIONS, SECONDS, (client, n) =>
    deposit(server.url, record, auth, `Charge ${client}-${n}`, hundredKb)));
  const peak = kib(server.child.pid, 'VmHWM');
  server.child.kill('SIGTERM');
  await new Promise((done) => server.child.once('exit', done));
  rmSync(server.dataDir, { recursive: true, force: true });
  return { name, rows, rest, peak };
}

const results = [];
if (options.only !== 'postgres') results.push(await bench('SQLite', undefined));
if (options.only !== 'sqlite') {
  const folder = mkdtempSync(join(tmpdir(), 'carnet-load-pg-'));
  // Durable, as in production: every commit reaches the disk (fsync on).
  const database = execFileSync(join(root, 'scripts/postgres.sh'), ['start', folder, '--durable'], { encoding: 'utf8' }).trim();
  try {
    results.push(await bench('PostgreSQL', database));
  } finally {
    execFileSync(join(root, 'scripts/postgres.sh'), ['stop', folder]);
  }
}
console.log(`\n${CONNECTIONS} connections, ${SECONDS} s each, ${availableParallelism()} cores, loopback\n`);
console.log(`| measure | ${results.map((r) => `${r.name} /s | p50 ms | p99 ms | failed`).join(' | ')} |`);
console.log(`|---|${results.map(() => '---:|---:|---:|---:').join('|')}|`);
for (const [i, { what }] of results[0].rows.entries()) {
  const cells = (r) => `${r.rows[i].rate.toFixed(0)} | ${r.rows[i].p50.toFixed(1)} | ${r.rows[i].p99.toFixed(1)} | ${r.rows[i].errors}`;
  console.log(`| ${what} | ${results.map(cells).join(' | ')} |`);
}
console.log(`| memory at rest / peak, MB | ${results.map((r) => `${(r.rest / 1024).toFixed(0)} / ${(r.peak / 1024).toFixed(0)} | | |`).join(' | ')} |`);
