// Where a page's start spends the main thread, by function name: starts the real server (as the
// end-to-end tests do) on a copy of the site whose wasm keeps its names (the modules as
// wasm-split cut them, before wasm-opt strips the names: `target/wasm-split`, left by the last
// `scripts/build-site.sh`), signs up a patient with 200 documents and grants Dr Martin of
// `demo/directory.json`, opens the page in Debian's Chromium with a 4× CPU slowdown (Lighthouse's
// mobile preset), records a CPU profile until the page is hydrated, and prints self and inclusive
// times, by crate and by function. Asserts nothing; the unoptimised names make it slower than the
// real bundle, so read proportions, not milliseconds. Written to find why the record's pages
// blocked the main thread: loading 150 to 250 chunks cost more than hydrating the page.
//
//   node scripts/profile-page.mjs /dossier/sante     # a patient's page
//   node scripts/profile-page.mjs pro                 # the professional's view of the record
//   node scripts/profile-page.mjs pro/sante           # and its health page
//   node scripts/profile-page.mjs pro --trace         # the real bundle: long tasks, and time by
//                                                     # kind of work (script, wasm compilation…)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, root, startServer } from '../tests/e2e/server.mjs';

// `--trace`: the real bundle (target/site) under a DevTools trace instead, and the main thread's
// long tasks and time by kind of work: script, lazy wasm compilation, parsing, style, layout.
const tracing = process.argv.includes('--trace');
if (!tracing) {
  const named = join(root, 'target/site-named');
  const split = join(root, 'target/wasm-split');
  rmSync(named, { recursive: true, force: true });
  cpSync(join(root, 'target/site'), named, { recursive: true, filter: (path) => !path.includes('/pkg/') });
  mkdirSync(join(named, 'pkg'), { recursive: true });
  execFileSync('wasm-bindgen', ['--target', 'web', '--no-typescript', '--keep-lld-exports', '--keep-debug',
    '--out-dir', join(named, 'pkg'), '--out-name', 'carnet', join(split, 'carnet.wasm')]);
  for (const file of readdirSync(split)) {
    if (file !== 'carnet.wasm') cpSync(join(split, file), join(named, 'pkg', file));
  }
  cpSync(join(root, 'target/site/pkg/carnet.css'), join(named, 'pkg/carnet.css'));
  process.env.CARNET_SITE = 'target/site-named';
}

// The main thread's share of a trace: its tasks over 50 ms (what Total Blocking Time adds up,
// less 50 ms each) and each kind of event's own time (its duration less its children's).
function printTrace(trace) {
  const events = JSON.parse(trace.toString()).traceEvents;
  // The page's renderer: the main thread with the most work (the first one held about:blank).
  const threads = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const timed = (t) => events.filter((e) => e.pid === t.pid && e.tid === t.tid && e.ph === 'X' && e.dur);
  const main = threads.map(timed).sort((a, b) => b.length - a.length)[0]
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const open = [];
  const children = new Map();
  for (const event of main) {
    while (open.length && open.at(-1).ts + open.at(-1).dur <= event.ts) open.pop();
    if (open.length) children.set(open.at(-1), (children.get(open.at(-1)) ?? 0) + event.dur);
    open.push(event);
  }
  const own = new Map();
  for (const event of main) own.set(event.name, (own.get(event.name) ?? 0) + event.dur - (children.get(event) ?? 0));
  const long = main.filter((e) => e.name === 'RunTask' && e.dur > 50_000).map((e) => Math.round(e.dur / 1000));
  console.log(`long tasks, ms: ${long.join(', ')}; blocking ${long.reduce((sum, ms) => sum + ms - 50, 0)} ms`);
  console.log('\nmain thread, own time by event, ms');
  for (const [name, us] of [...own].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(String(Math.round(us / 1000)).padStart(7), name);
  }
}

const server = await startServer();
try {
  const { cookie, me, auth } = await server.signUpPatient('profile@example.fr', 'marée basse à Étretat');
  for (let i = 1; i <= 200; i++) await server.depositNote(auth, me.id, i);
  const pro = await server.cardSession('10000000009', '2468');
  await server.call('PUT', `/api/records/${me.id}/grants/10000000009`, { scope: 'all' }, auth);

  const which = process.argv[2] ?? '/dossier';
  // `pro` and `pro/sante`: the professional's pages of the record.
  const [path, asker] = which.startsWith('pro')
    ? [`/pro/dossier/${me.id}${which === 'pro' ? '/documents' : which.slice('pro'.length)}`, pro] : [which, cookie];
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: 'block', locale: 'fr-FR' });
  const [name, value] = asker.split('=');
  await context.addCookies([{ name, value, url: server.url }]);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  if (tracing) {
    await browser.startTracing(page, {
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.wasm', 'blink', 'loading'],
    });
    await page.goto(server.url + path);
    await page.waitForSelector('html[data-hydrated="true"]', { timeout: 60_000 });
    await page.waitForLoadState('networkidle');
    const trace = await browser.stopTracing();
    await browser.close();
    writeFileSync(join(root, 'target/trace.json'), trace);
    console.log(`${path}, the real bundle, 4× slowdown; the trace is in target/trace.json\n`);
    printTrace(trace);
  } else {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await page.goto(server.url + path);
    await page.waitForSelector('html[data-hydrated="true"]', { timeout: 60_000 });
    await page.waitForLoadState('networkidle');
    const { profile } = await cdp.send('Profiler.stop');
    await browser.close();
    writeFileSync(join(root, 'target/profile.cpuprofile'), JSON.stringify(profile));

    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const label = (node) => node.callFrame.functionName || `(${node.callFrame.url.split('/').pop()})`;
    const self = new Map();
    const inclusive = new Map();
    let total = 0;
    profile.samples.forEach((id, k) => {
      const dt = profile.timeDeltas[k] ?? 0;
      total += dt;
      self.set(label(byId.get(id)), (self.get(label(byId.get(id))) ?? 0) + dt);
      const seen = new Set();
      for (let at = id; at; at = parent.get(at)) {
        const key = label(byId.get(at));
        if (!seen.has(key)) { seen.add(key); inclusive.set(key, (inclusive.get(key) ?? 0) + dt); }
      }
    });
    const print = (title, times, n) => {
      console.log(`\n${title}`);
      for (const [key, us] of [...times].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(String(Math.round(us / 1000)).padStart(7), key.slice(0, 160));
    };
    // Self time by crate: how much of the start is Rust running (and whose code), how much
    // script glue and browser calls, how much `(program)`: the browser's own work outside any
    // script (parsing, style, layout, compiling), which a CPU profile does not break down; a
    // DevTools trace does.
    const crates = new Map();
    for (const [key, us] of self) {
      // `_ZN8gloo_net4http…` (its first part the crate, or `_$LT$crate..Type…` in an impl), or
      // demangled: `<crate[hash]::Type…`, `crate::module::…`.
      let name = key.replace(/^<+/, '');
      const mangled = key.match(/^_ZN(\d+)(.*)/);
      if (mangled) {
        const first = mangled[2].slice(0, Number(mangled[1]));
        name = /^_?\$LT\$/.test(first) ? first.replace(/^_?\$LT\$/, '') : `${first}::`;
      }
      const crate = name.match(/^([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?(?:::|\.\.)/);
      const group = crate ? `${crate[1]} (wasm)` : key.startsWith('(') ? key
        : key.startsWith('wasm-function[') ? 'unnamed wasm' : 'JavaScript and browser calls';
      crates.set(group, (crates.get(group) ?? 0) + us);
    }
    console.log(`${path}: ${Math.round(total / 1000)} ms profiled (4× slowdown); the profile is in target/profile.cpuprofile`);
    print('self time by crate, ms', crates, 25);
    print('self time, ms', self, 40);
    print('inclusive time, ms', inclusive, 60);
  }
} finally {
  await server.stop();
}
