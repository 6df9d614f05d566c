// End to end, more than one machine: two Carnet servers on one PostgreSQL database (a throwaway
// cluster, scripts/postgres.sh) behind haproxy terminating TLS with a self-signed certificate
// made here. A person logs in through one server and goes on through the other; a revocation
// made through one holds on the other at the next request; deposits and reads through both at
// once leave one audit chain that `carnet audit verify` accepts; and the audit log names the
// real client (127.0.0.2 here), never the proxy (127.0.0.1), which both servers trust.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createDecipheriv, createPrivateKey, pbkdf2Sync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { root, startServer } from './server.mjs';

const CLIENT = '127.0.0.2';
const DOCTOR = '10000000009';
const PIN = '2468';
const PASSWORD = 'correct-horse-battery-staple';

const env = {};

// A port nobody listens on now (for haproxy, which cannot say which one it took).
async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

// Resolves once something accepts connections on `port`: haproxy says nothing when it is ready.
async function listening(port, child) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
    const open = await new Promise((done) => {
      const socket = connect(port, '127.0.0.1', () => { socket.end(); done(true); });
      socket.on('error', () => done(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error('haproxy did not listen within 15 s');
    await new Promise((done) => setTimeout(done, 50));
  }
}

before(async () => {
  env.dir = mkdtempSync(join(tmpdir(), 'carnet-fleet-'));
  // A folder of its own: PostgreSQL's user must reach it (env.dir is this user's alone).
  env.pg = mkdtempSync(join(tmpdir(), 'carnet-fleet-pg-'));
  const database = execFileSync(join(root, 'scripts/postgres.sh'), ['start', env.pg], { encoding: 'utf8' }).trim();
  // The keys every server of the installation shares (in production, from a secrets store).
  const keys = {
    CARNET_MASTER_KEY: randomBytes(32).toString('base64'),
    CARNET_AUDIT_KEY: randomBytes(32).toString('base64'),
  };
  const key = join(env.dir, 'key.pem');
  const certificate = join(env.dir, 'certificate.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', certificate,
  ], { stdio: 'ignore' });
  env.ca = readFileSync(certificate);
  writeFileSync(join(env.dir, 'proxy.pem'), Buffer.concat([env.ca, readFileSync(key)]));
  env.port = await freePort();
  const publicUrl = `https://localhost:${env.port}`;
  const args = ['--trusted-proxy', '127.0.0.1', '--public-url', publicUrl];
  env.a = await startServer({ args, database, env: keys });
  env.b = await startServer({ args, database, env: keys });
  const address = (server) => new URL(server.url).host;
  writeFileSync(join(env.dir, 'haproxy.cfg'), `
global
  maxconn 256
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend carnet
  bind 127.0.0.1:${env.port} ssl crt ${join(env.dir, 'proxy.pem')}
  option forwardfor
  http-request set-header X-Forwarded-Proto https
  http-response set-header X-Served-By %s
  use_backend a if { req.hdr(x-carnet-server) -m str a }
  use_backend b if { req.hdr(x-carnet-server) -m str b }
  default_backend both
backend a
  server a ${address(env.a)}
backend b
  server b ${address(env.b)}
backend both
  balance roundrobin
  server a ${address(env.a)}
  server b ${address(env.b)}
`);
  env.proxy = spawn('/usr/sbin/haproxy', ['-db', '-f', join(env.dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] });
  await listening(env.port, env.proxy);
});

after(async () => {
  env.proxy?.kill('SIGTERM');
  await env.a?.stop();
  await env.b?.stop();
  execFileSync(join(root, 'scripts/postgres.sh'), ['stop', env.pg]);
  rmSync(env.dir, { recursive: true, force: true });
});

// One HTTPS request through the proxy, from the client's own address, to server `to` ('a',
// 'b', or either when undefined). `body`: JSON, or bytes sent as they are.
function via(to, method, path, { body, headers = {} } = {}) {
  const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const typed = bytes && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {};
  return new Promise((done, fail) => {
    const sent = request({
      host: '127.0.0.1', port: env.port, servername: 'localhost', ca: env.ca, localAddress: CLIENT, agent: false,
      method, path,
      headers: {
        host: `localhost:${env.port}`, ...(to ? { 'x-carnet-server': to } : {}), ...typed,
        ...(bytes ? { 'content-length': bytes.length } : {}), ...headers,
      },
    }, (answer) => {
      const chunks = [];
      answer.on('data', (chunk) => chunks.push(chunk));
      answer.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        done({ status: answer.statusCode, headers: answer.headers, text, json });
      });
    });
    sent.on('error', fail);
    if (bytes) sent.write(bytes);
    sent.end();
  });
}

const cookieOf = (answer) => answer.headers['set-cookie'].find((c) => c.includes('carnet_session=')).split(';')[0];

// A professional's session through the proxy: the card the server's command issues, its key
// opened with the PIN, the challenge of one server signed for the public address.
async function cardSession(server, rpps) {
  const cardPath = join(env.dir, `card-${rpps}.json`);
  env.a.command(['card', 'issue', '--rpps', rpps, '--out', cardPath], { env: { CARNET_CARD_PIN: PIN } });
  const card = JSON.parse(readFileSync(cardPath, 'utf8'));
  const key = pbkdf2Sync(PIN, Buffer.from(card.salt, 'base64'), card.iterations, 32, 'sha256');
  const sealed = Buffer.from(card.sealed_key, 'base64');
  const opener = createDecipheriv('aes-256-gcm', key, Buffer.from(card.nonce, 'base64'));
  opener.setAAD(Buffer.from(`${card.format}\n${card.rpps}`));
  opener.setAuthTag(sealed.subarray(sealed.length - 16));
  const pkcs8 = Buffer.concat([opener.update(sealed.subarray(0, sealed.length - 16)), opener.final()]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const { challenge } = (await via(server, 'POST', '/api/pro/challenge', { body: null })).json;
  const message = `carnet-card-login/1\nhttps://localhost:${env.port}\n${challenge}`;
  const signature = sign('sha256', Buffer.from(message), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const login = await via(server, 'POST', '/api/pro/login', { body: { rpps, challenge, signature: signature.toString('base64url') } });
  assert.equal(login.status, 200, login.text);
  return cookieOf(login);
}

test('two servers on one database behind a TLS proxy act as one', async () => {
  // Signed up through A, the code read from the shared outbox, verified through B.
  const signup = await via('a', 'POST', '/api/account/signup', {
    body: { contact: 'jeanne@example.fr', given_name: 'Jeanne', family_name: 'Martin', birth_date: '1950-03-02', password: PASSWORD },
  });
  assert.equal(signup.status, 202, signup.text);
  assert.equal(signup.headers['x-served-by'], 'a');
  const code = env.b.command(['outbox', '--limit', '1']).match(/\b(\d{6})\b/)[1];
  const verified = await via('b', 'POST', '/api/account/verify', { body: { challenge: signup.json.challenge, code } });
  assert.equal(verified.status, 200, verified.text);
  assert.equal(verified.headers['x-served-by'], 'b');
  assert.match(verified.headers['strict-transport-security'], /max-age=\d+/);
  const cookie = cookieOf(verified);
  const auth = { cookie, 'x-csrf-token': verified.json.csrf_token };
  const record = verified.json.id;

  // The session made by B holds on A.
  const me = await via('a', 'GET', '/api/account/me', { headers: { cookie } });
  assert.equal(me.status, 200);
  assert.equal(me.json.id, record);

  // The patient grants Dr Martin the whole record through A; he reads it through B.
  env.a.command(['directory', 'import', join(root, 'demo/directory.json')]);
  const doctor = { cookie: await cardSession('b', DOCTOR) };
  const granted = await via('a', 'PUT', `/api/records/${record}/grants/${DOCTOR}`, { body: { scope: 'all' }, headers: auth });
  assert.ok(granted.status < 300, granted.text);
  const documents = `/api/records/${record}/documents`;
  assert.equal((await via('b', 'GET', documents, { headers: doctor })).status, 200);

  // Deposits and reads through both at once: one chain.
  const deposit = async (n) => {
    const to = n % 2 ? 'a' : 'b';
    const other = n % 2 ? 'b' : 'a';
    const bytes = Buffer.from(`Compte rendu ${n}\nTension 12/8, poids stable.\n`);
    const meta = { title: `Compte rendu ${n}`, category: 'patient_own', care_date: `2026-10-${String(1 + n).padStart(2, '0')}`, media_type: 'text/plain', size: bytes.length };
    const upload = await via(to, 'POST', `/api/records/${record}/uploads`, { body: meta, headers: auth });
    assert.equal(upload.status, 201, upload.text);
    const sent = await via(other, 'PUT', `/api/records/${record}/uploads/${upload.json.upload_id}?offset=0`, {
      body: bytes, headers: { ...auth, 'content-type': 'application/octet-stream' },
    });
    assert.ok(sent.status < 300, sent.text);
    const finished = await via(to, 'POST', `/api/records/${record}/uploads/${upload.json.upload_id}/finish`, { headers: auth });
    assert.ok(finished.status < 300, finished.text);
  };
  const reads = Array.from({ length: 12 }, (_, n) => via(n % 2 ? 'a' : 'b', 'GET', documents, { headers: n % 3 ? auth : doctor }));
  const answers = await Promise.all([...Array.from({ length: 8 }, (_, n) => deposit(n)), ...reads]);
  for (const answer of answers.filter(Boolean)) assert.equal(answer.status, 200, answer.text);
  const listed = await via(undefined, 'GET', documents, { headers: auth });
  assert.equal(listed.json.length, 8);

  // Revoked through A: B shows him nothing on the very next request.
  assert.equal((await via('b', 'GET', documents, { headers: doctor })).json.length, 8);
  const revoked = await via('a', 'POST', `/api/records/${record}/grants/${DOCTOR}/revoke`, { headers: auth });
  assert.ok(revoked.status < 300, revoked.text);
  const refused = await via('b', 'GET', documents, { headers: doctor });
  assert.ok([403, 404].includes(refused.status) || refused.text === '[]', `${refused.status} ${refused.text}`);

  // Logged out through B: the session is gone on A too.
  assert.ok((await via('b', 'POST', '/api/account/logout', { headers: auth })).status < 300);
  assert.equal((await via('a', 'GET', '/api/account/me', { headers: { cookie } })).status, 401);

  // One chain, as the operator's command checks it; the client's own address in every entry
  // of a request, never the proxy's.
  const verify = env.b.command(['audit', 'verify']);
  const held = Number(verify.match(/The audit log holds: (\d+) entries/)?.[1]);
  const events = env.a.command(['audit', 'export']).trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(held, events.length, verify);
  assert.ok(held > 40, `${held} entries`);
  const addresses = new Set(events.map((event) => event.agent[0].network.address));
  assert.ok(addresses.has(CLIENT), [...addresses].join(', '));
  assert.ok(!addresses.has('127.0.0.1'), [...addresses].join(', '));
});
