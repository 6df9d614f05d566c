// Starts the real Carnet server binary on a free port with a temporary data directory, and a
// real headless Chromium (Debian's) for the end-to-end tests.
import { execFileSync, spawn } from 'node:child_process';
import { createDecipheriv, createPrivateKey, pbkdf2Sync, sign } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'node:test';
import { chromium } from 'playwright-core';

export const root = resolve(import.meta.dirname, '../..');

// `args`: more flags for the server (a configuration under test); `database`: a PostgreSQL URL
// instead of the SQLite file in the data directory (for the server and its commands); `env`: more
// environment for both (keys shared by several servers).
export async function startServer({ args = [], database, env = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'carnet-e2e-'));
  const binary = process.env.CARNET_BIN ?? join(root, 'target/debug/carnet');
  const storage = database ? ['--database-url', database] : [];
  const child = spawn(binary, [
    '--bind', '127.0.0.1:0',
    '--data-dir', dataDir,
    '--site-root', join(root, process.env.CARNET_SITE ?? 'target/site'),
    '--log-level', 'warn',
    ...storage,
    ...args,
  ], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });

  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 30 s')), 30_000);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/running at (http:\/\/[^/\s]+)\//);
      if (match) { clearTimeout(timer); resolveUrl(match[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}`)); });
  });

  return {
    url,
    dataDir,
    // Runs one of the server's commands on this server's data; returns its standard output.
    command(args, { env: more = {}, input } = {}) {
      return execFileSync(binary, ['--data-dir', dataDir, '--log-level', 'warn', ...storage, ...args], {
        encoding: 'utf8', env: { ...process.env, ...env, ...more }, input,
      });
    },
    // The newest one-time code in the local outbox, read with the server's own command.
    latestCode() {
      const out = this.command(['outbox', '--limit', '1']);
      const match = out.match(/\b(\d{6})\b/);
      if (!match) throw new Error(`no code in the outbox:\n${out}`);
      return match[1];
    },
    // The JSON API as a script calls it: a JSON body, and an error for any status but 2xx.
    async call(method, path, body, headers = {}) {
      const answer = await fetch(url + path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
      return answer;
    },
    // A patient signed up and verified through the API: the session cookie (`name=value`), the
    // account (`me`) and the headers an unsafe call needs (`auth`).
    async signUpPatient(contact, password) {
      const sent = await (await this.call('POST', '/api/account/signup', {
        contact, given_name: 'Jeanne', family_name: 'Martin', birth_date: '1950-03-02', password,
      })).json();
      const verified = await this.call('POST', '/api/account/verify', { challenge: sent.challenge, code: this.latestCode() });
      const cookie = verified.headers.getSetCookie().find((c) => c.startsWith('carnet_session=')).split(';')[0];
      const me = await verified.json();
      return { cookie, me, auth: { cookie, 'x-csrf-token': me.csrf_token } };
    },
    // A short text document of the patient's own (`Compte rendu N`), through the resumable upload.
    async depositNote(auth, recordId, n) {
      const record = `/api/records/${recordId}`;
      const bytes = new TextEncoder().encode(`Compte rendu ${n}\nTension 12/8, poids stable.\n`);
      const day = String(1 + (n % 28)).padStart(2, '0');
      const meta = { title: `Compte rendu ${n}`, category: 'patient_own', care_date: `2026-10-${day}`, media_type: 'text/plain', size: bytes.length };
      const upload = await (await this.call('POST', `${record}/uploads`, meta, auth)).json();
      const sent = await fetch(`${url}${record}/uploads/${upload.upload_id}?offset=0`, {
        method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes,
      });
      if (!sent.ok) throw new Error(`upload ${n}: ${sent.status}`);
      await this.call('POST', `${record}/uploads/${upload.upload_id}/finish`, undefined, auth);
    },
    // A professional's session cookie (`name=value`), as the browser's card login makes it: the
    // demo directory, a card the server's own command issues, its sealed PKCS#8 key opened with
    // the PIN (PBKDF2-SHA256, AES-256-GCM) and the server's challenge signed (ECDSA P-256, r‖s).
    async cardSession(rpps, pin) {
      this.command(['directory', 'import', join(root, 'demo/directory.json')]);
      const cardPath = join(dataDir, `card-${rpps}.json`);
      this.command(['card', 'issue', '--rpps', rpps, '--out', cardPath], { env: { CARNET_CARD_PIN: pin } });
      const card = JSON.parse(readFileSync(cardPath, 'utf8'));
      const key = pbkdf2Sync(pin, Buffer.from(card.salt, 'base64'), card.iterations, 32, 'sha256');
      const sealed = Buffer.from(card.sealed_key, 'base64');
      const opener = createDecipheriv('aes-256-gcm', key, Buffer.from(card.nonce, 'base64'));
      opener.setAAD(Buffer.from(`${card.format}\n${card.rpps}`));
      opener.setAuthTag(sealed.subarray(sealed.length - 16));
      const pkcs8 = Buffer.concat([opener.update(sealed.subarray(0, sealed.length - 16)), opener.final()]);
      const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      const { challenge } = await (await this.call('POST', '/api/pro/challenge', null)).json();
      const message = `carnet-card-login/1\n${url}\n${challenge}`;
      const signature = sign('sha256', Buffer.from(message), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const login = await this.call('POST', '/api/pro/login', { rpps, challenge, signature: signature.toString('base64url') });
      return login.headers.getSetCookie().find((c) => c.startsWith('carnet_session=')).split(';')[0];
    },
    async stop() {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

// Runs axe-core's WCAG 2.1 A/AA rules on the page and returns the violations.
export async function axeViolations(page, axeSource) {
  // Evaluated through the DevTools protocol, so the page's CSP (rightly) does not apply.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
}

// Starts a server and a browser for the tests of one file, and stops both after them.
// Panics of the wasm app (and uncaught errors) in any page of a context `watchPanics` watches.
// A panic can leave the page looking right while its reactive parts are dead, so every test of
// a file that uses `useServerAndBrowser` fails when one was seen during it.
const panics = [];

export function watchPanics(context) {
  context.on('console', (msg) => {
    if (msg.type() === 'error' && /panicked at|RuntimeError/.test(msg.text())) panics.push(msg.text());
  });
  context.on('weberror', (error) => panics.push(String(error.error())));
  return panics;
}

// The pages `openPage` opened during the current test, each with its journal: the navigations,
// the API calls with their status, failed requests and console messages, newest last. A failed
// test prints them, with the alerts on screen, so that a failure in CI says what the page saw.
const opened = [];

async function tellWhatPagesSaw() {
  for (const { page, journal } of opened.splice(0)) {
    if (page.isClosed()) continue;
    const alerts = await page.locator('[role="alert"]').allInnerTexts().catch(() => []);
    console.log(`--- page ${page.url()}\n  alerts: ${JSON.stringify(alerts)}\n  ${journal.join('\n  ')}`);
  }
}

export function useServerAndBrowser({ before, after, serverArgs = () => [] }) {
  const env = {};
  afterEach(async (t) => {
    if (t.passed) opened.length = 0;
    else await tellWhatPagesSaw();
    const seen = panics.splice(0);
    assert.deepEqual(seen, [], 'the app panicked or threw in the browser');
  });
  before(async () => {
    env.server = await startServer({ args: serverArgs() });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    env.exitCode = await env.server?.stop();
  });
  return env;
}

// A page in a fresh context that records console errors (CSP violations included), page
// errors and failed requests. Refused API calls (4xx) are expected in some tests and are
// recorded only when `httpErrors` is true.
export async function openPage(browser, viewport, { httpErrors = true, serviceWorkers = 'allow' } = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-US', serviceWorkers });
  watchPanics(context);
  // The network's comings and goings as the page saw them, in its console (so in the journal).
  await context.addInitScript(() => {
    for (const name of ['online', 'offline']) addEventListener(name, () => console.debug(`event ${name}`));
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (!httpErrors && /status of 4\d\d/.test(msg.text())) return;
    problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('requestfailed', (req) => {
    // A navigation cancels the previous page's pending loads (ERR_ABORTED): not a failure.
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.url()}`);
  });
  const journal = [];
  const started = Date.now();
  const note = (line) => {
    journal.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${line}`);
    if (journal.length > 150) journal.shift();
  };
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) note(`navigated to ${frame.url()}`); });
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/api/') && request.method() !== 'GET') note(`sent ${request.method()} ${pathname}`);
    // The code fetched on demand: when a page's code is missing, whether it was asked for again.
    if (/^\/pkg\/(chunk|split)_/.test(pathname)) note(`fetching ${pathname}`);
  });
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (pathname.startsWith('/api/')) note(`${response.request().method()} ${pathname} ${response.status()}`);
  });
  page.on('requestfailed', (req) => note(`failed ${req.method()} ${req.url()} ${req.failure()?.errorText}`));
  page.on('console', (msg) => note(`console ${msg.type()}: ${msg.text().slice(0, 300)}`));
  opened.push({ page, journal });
  return { context, page, problems };
}

export async function waitForHydration(page) {
  await page.waitForSelector('html[data-hydrated="true"]', { timeout: 15_000 });
}

// The app's own signal that it works without a network: the service worker has kept every file
// of this build (its install finished) and controls the page. Every test that goes offline
// waits for it first, never for a delay.
export async function availableOffline(page) {
  try {
    await page.getByRole('status').filter({ hasText: 'Disponible hors ligne' }).waitFor({ timeout: 30_000 });
  } catch (error) {
    // What the worker and its cache were doing, for a failure that says why.
    const seen = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      const state = (worker) => worker?.state ?? null;
      const kept = await Promise.all((await caches.keys()).map(async (name) =>
        `${name}: ${(await (await caches.open(name)).keys()).length} files`));
      return {
        installing: state(registration?.installing),
        waiting: state(registration?.waiting),
        active: state(registration?.active),
        controlled: Boolean(navigator.serviceWorker.controller),
        status: [...document.querySelectorAll('[role=status]')].map((node) => node.textContent),
        caches: kept,
      };
    }).catch((reason) => String(reason));
    error.message += `\nservice worker: ${JSON.stringify(seen)}`;
    throw error;
  }
}

const requireFromHere = createRequire(import.meta.url);
export const axeSource = readFileSync(requireFromHere.resolve('axe-core/axe.min.js'), 'utf8');

// Deposits a text document through the API from the page's own session (the deposit form has
// its own test): announce, send, finish. `me`: the session's own address (`/api/account/me`,
// `/api/pro/me`). Answers the status of the finish (201).
export async function deposit(page, me, record, title, category, typeCode = null, careDate = '2026-11-20') {
  return page.evaluate(async ({ me, record, title, category, typeCode, careDate }) => {
    const { csrf_token: csrf } = await (await fetch(me)).json();
    const bytes = new TextEncoder().encode(`${title}\nContenu de santé.\n`);
    const json = { 'content-type': 'application/json', 'x-csrf-token': csrf };
    const meta = { title, category, care_date: careDate, media_type: 'text/plain', size: bytes.length, type_code: typeCode };
    const upload = await (await fetch(`/api/records/${record}/uploads`, { method: 'POST', headers: json, body: JSON.stringify(meta) })).json();
    await fetch(`/api/records/${record}/uploads/${upload.upload_id}?offset=0`, {
      method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': csrf }, body: bytes,
    });
    const done = await fetch(`/api/records/${record}/uploads/${upload.upload_id}/finish`, { method: 'POST', headers: { 'x-csrf-token': csrf } });
    return done.status;
  }, { me, record, title, category, typeCode, careDate });
}

// A destination of the patient's tab bar (`Accueil`, `Documents`, `Santé`, `Partage`, `Compte`).
export function tab(page, name) {
  return page.getByRole('navigation', { name: 'Mon dossier' }).getByRole('link', { name, exact: true });
}

// Page helpers bound to a file's server (`env` from useServerAndBrowser).
export function pageHelpers(env) {
  const hydrated = async (page, path) => {
    await page.goto(env.server.url + path);
    await waitForHydration(page);
  };
  return {
    hydrated,
    // WCAG 2.1 AA by axe-core, and no sideways scroll.
    async assertAccessible(page, where) {
      assert.deepEqual(await axeViolations(page, axeSource), [], `axe violations: ${where}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${where} scrolls sideways by ${overflow} px`);
    },
    // Signs up and activates through the API (the browser sign-up has its own test).
    async signUp(contact, givenName, familyName, password) {
      const post = (path, body) => fetch(env.server.url + path, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      const sent = await (await post('/api/account/signup', {
        contact, given_name: givenName, family_name: familyName, birth_date: '1980-05-17', password,
      })).json();
      const verified = await post('/api/account/verify', { challenge: sent.challenge, code: env.server.latestCode() });
      assert.equal(verified.status, 200);
    },
    // Writes profile entries through the API from the page's own session, as the page would;
    // returns the record's id.
    async addEntries(page, entries) {
      return page.evaluate(async (entries) => {
        const me = await (await fetch('/api/account/me')).json();
        for (const entry of entries) {
          const written = await fetch(`/api/records/${me.id}/profile`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
            body: JSON.stringify({ entry }),
          });
          if (written.status !== 201) throw new Error(`entry refused: ${written.status}`);
        }
        return me.id;
      }, entries);
    },
    // Logs in through the login page: password, then the code from the outbox.
    async logIn(page, contact, password) {
      await hydrated(page, '/connexion');
      await page.getByLabel('Adresse e-mail ou numéro de téléphone mobile').fill(contact);
      await page.getByLabel('Mot de passe', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Continuer' }).click();
      await page.getByRole('heading', { name: 'Saisissez le code reçu' }).waitFor();
      await page.getByLabel('Code reçu (6 chiffres)').fill(env.server.latestCode());
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL('**/mon-compte');
    },
  };
}
