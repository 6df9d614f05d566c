// Crashes: the server killed with SIGKILL in the middle of a stream of deposits, profile entries
// and audited reads, then started again on the same data, on each database. After every kill:
// no acknowledged deposit or entry is missing; no upload whose finish was never asked for is a
// document, and every document opens; the audit log verifies and holds at least one entry per
// acknowledged request; SQLite's integrity_check passes on the file as the kill left it.
// CARNET_CRASH_KILLS kills per database (20 in the test command; 200 on demand:
// `CARNET_CRASH_KILLS=200 node --test tests/e2e/crash.test.mjs`).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { root } from './server.mjs';

const KILLS = Number(process.env.CARNET_CRASH_KILLS ?? 20);
const binary = process.env.CARNET_BIN ?? join(root, 'target/debug/carnet');
const PASSWORD = 'correct-horse-battery-staple';

// One installation, started and killed again and again on the same data.
function installation(database) {
  const dataDir = mkdtempSync(join(tmpdir(), 'carnet-crash-'));
  const storage = database ? ['--database-url', database] : [];
  const env = { ...process.env, CARNET_MASTER_KEY: randomBytes(32).toString('base64'), CARNET_AUDIT_KEY: randomBytes(32).toString('base64') };
  return {
    dataDir,
    command: (args) => execFileSync(binary, ['--data-dir', dataDir, '--log-level', 'error', ...storage, ...args], { encoding: 'utf8', env }),
    async start() {
      const child = spawn(binary, [
        '--bind', '127.0.0.1:0', '--data-dir', dataDir, '--site-root', join(root, process.env.CARNET_SITE ?? 'target/site'),
        '--log-level', 'error', ...storage,
      ], { stdio: ['ignore', 'pipe', 'inherit'], env });
      const url = await new Promise((resolveUrl, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          const match = out.match(/running at (http:\/\/[^/\s]+)\//);
          if (match) resolveUrl(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      return { url, child };
    },
  };
}

async function json(url, method, path, body, auth) {
  const answer = await fetch(url + path, {
    method, headers: { 'content-type': 'application/json', ...auth }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: answer.status, headers: answer.headers, body: answer.status === 204 ? null : await answer.json().catch(() => null) };
}

async function crashes(database) {
  const site = installation(database);
  let server = await site.start();
  const signup = await json(server.url, 'POST', '/api/account/signup', {
    contact: 'jeanne@example.fr', given_name: 'Jeanne', family_name: 'Martin', birth_date: '1950-03-02', password: PASSWORD,
  });
  const code = site.command(['outbox', '--limit', '1']).match(/\b(\d{6})\b/)[1];
  const verified = await fetch(`${server.url}/api/account/verify`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ challenge: signup.body.challenge, code }),
  });
  const cookie = verified.headers.getSetCookie().find((c) => c.startsWith('carnet_session=')).split(';')[0];
  const me = await verified.json();
  const auth = { cookie, 'x-csrf-token': me.csrf_token };
  const record = `/api/records/${me.id}`;

  const finishAsked = new Set();
  const deposited = new Set();
  const entered = new Set();
  let acknowledged = 0;
  let opened = new Set();

  for (let round = 0; round < KILLS; round += 1) {
    // The stream: four clients, each depositing, writing an entry or reading, until the kill.
    const killAfter = randomInt(3, 40);
    let roundAcks = 0;
    let killing = false;
    let killed;
    const dead = new Promise((done) => { killed = done; });
    const acked = () => {
      acknowledged += 1;
      roundAcks += 1;
      if (roundAcks === killAfter) {
        // At a random point after the n-th answer: some requests are in flight, at any stage.
        killing = true;
        setImmediate(() => { server.child.kill('SIGKILL'); });
      }
    };
    server.child.once('exit', () => killed());
    const client = async (who) => {
      for (let n = 0; ; n += 1) {
        const name = `${round}-${who}-${n}`;
        try {
          const pick = randomInt(3);
          if (pick === 0) {
            const bytes = Buffer.from(`Compte rendu ${name}\n`);
            const meta = { title: `Crash ${name}`, category: 'patient_own', care_date: '2026-10-01', media_type: 'text/plain', size: bytes.length };
            const upload = await json(server.url, 'POST', `${record}/uploads`, meta, auth);
            if (upload.status !== 201) throw new Error(`upload ${upload.status}`);
            acked();
            const sent = await fetch(`${server.url}${record}/uploads/${upload.body.upload_id}?offset=0`, {
              method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes,
            });
            if (!sent.ok) throw new Error(`chunk ${sent.status}`);
            acked();
            finishAsked.add(`Crash ${name}`);
            const finished = await json(server.url, 'POST', `${record}/uploads/${upload.body.upload_id}/finish`, undefined, auth);
            if (finished.status !== 201) throw new Error(`finish ${finished.status}`);
            deposited.add(`Crash ${name}`);
            acked();
          } else if (pick === 1) {
            const entry = { section: 'allergy', substance: `Substance ${name}`, reaction: 'urticaire', severity: 'moderate' };
            const written = await json(server.url, 'POST', `${record}/profile`, { entry }, auth);
            if (written.status !== 201) throw new Error(`entry ${written.status}`);
            entered.add(entry.substance);
            acked();
          } else {
            const read = await json(server.url, 'GET', `${record}/documents`, undefined, auth);
            if (read.status !== 200) throw new Error(`read ${read.status}`);
            acked();
          }
        } catch (error) {
          // Cut by the kill (a refused or reset connection, an answer half received): expected.
          if (killing) return;
          throw error;
        }
      }
    };
    await Promise.all([client(0), client(1), client(2), client(3), dead]);
    assert.equal(server.child.signalCode, 'SIGKILL');

    // The files as the kill left them.
    if (!database) {
      const integrity = execFileSync('sqlite3', [join(site.dataDir, 'carnet.db'), 'PRAGMA integrity_check'], { encoding: 'utf8' });
      assert.equal(integrity.trim(), 'ok', `round ${round}`);
    }

    server = await site.start();
    const listed = await json(server.url, 'GET', `${record}/documents`, undefined, auth);
    assert.equal(listed.status, 200, `round ${round}: the session outlived the crash`);
    const titles = new Set(listed.body.map((document) => document.title));
    for (const title of deposited) assert.ok(titles.has(title), `round ${round}: acknowledged ${title} lost`);
    for (const title of titles) assert.ok(finishAsked.has(title), `round ${round}: ${title} is a document, never finished`);
    for (const document of listed.body.filter((d) => !opened.has(d.id))) {
      const content = await fetch(`${server.url}${record}/documents/${document.id}/content`, { headers: auth });
      assert.equal(content.status, 200, `round ${round}: ${document.title} does not open`);
      assert.equal(await content.text(), `Compte rendu ${document.title.slice('Crash '.length)}\n`);
    }
    opened = new Set(listed.body.map((document) => document.id));
    const profile = await json(server.url, 'GET', `${record}/profile`, undefined, auth);
    const substances = new Set(JSON.stringify(profile.body).match(/Substance [\d-]+/g) ?? []);
    for (const substance of entered) assert.ok(substances.has(substance), `round ${round}: acknowledged ${substance} lost`);
    const verify = site.command(['audit', 'verify']);
    const entries = Number(verify.match(/The audit log holds: (\d+) entries/)?.[1]);
    assert.ok(entries >= acknowledged, `round ${round}: ${entries} entries for ${acknowledged} acknowledged requests`);
  }
  server.child.kill('SIGTERM');
  await new Promise((done) => server.child.once('exit', done));
  rmSync(site.dataDir, { recursive: true, force: true });
  return { deposited: deposited.size, entered: entered.size, acknowledged };
}

test(`${KILLS} kills on SQLite lose nothing acknowledged`, async () => {
  const seen = await crashes(undefined);
  console.log(`sqlite: ${KILLS} kills, ${seen.acknowledged} acknowledged requests, ${seen.deposited} deposits, ${seen.entered} entries, none lost`);
});

test(`${KILLS} kills on PostgreSQL lose nothing acknowledged`, async () => {
  const folder = mkdtempSync(join(tmpdir(), 'carnet-crash-pg-'));
  const database = execFileSync(join(root, 'scripts/postgres.sh'), ['start', folder], { encoding: 'utf8' }).trim();
  try {
    const seen = await crashes(database);
    console.log(`postgres: ${KILLS} kills, ${seen.acknowledged} acknowledged requests, ${seen.deposited} deposits, ${seen.entered} entries, none lost`);
  } finally {
    execFileSync(join(root, 'scripts/postgres.sh'), ['stop', folder]);
  }
});
