// Merges the many small modules wasm-split cuts into a few per page, and rewrites its loader.
//
// wasm-split makes one module per set of split points that share code: with 15 lazy pages that
// is ~250 modules, most under 2 KB, and a page's first visit fetched and instantiated 40 to 180 of
// them. Each costs a request (headers, a round trip on a weak network) and an instantiation on
// the main thread, which together cost the record's pages more than hydrating them.
//
// The modules only import the main module's memory, function table and stack pointer, and put
// their functions into the table at fixed slots: they never call each other directly, so any of
// them can be merged into one module (binaryen's wasm-merge) and the result loaded once. What a
// merge costs is bytes: a page that needs one of the two modules fetches the other too. Groups
// are made greedily: merge the two groups for which (bytes the pages that need only one of
// them would fetch in vain) − REQUEST_COST × (pages that fetch both) is lowest, while it is
// below zero. A module is never loaded twice (its data would be written over), so the groups are
// a partition and each is loaded once.
//
// Usage: node scripts/wasm-merge-chunks.mjs <wasm-split output folder> [--dry-run]
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';

// What one more request costs a page, in bytes it could have fetched instead: a 150 ms round trip
// at 1.6 Mbit/s shared by the six connections a browser opens (5 KB), its response headers (0.9
// KB), its instantiation. The sizes below are each module's alone, which overstates what a merged
// one weighs (brotli does better on one larger file). Measured with the budgets test: 2,500, 5,000
// and 10,000 gave the same bytes over the ten budgeted pages within 0.5 %, and the fewest requests
// with 10,000 (a first visit to /dossier: 86 requests → 14, all files counted).
const REQUEST_COST = 10000;

const folder = process.argv[2];
const dryRun = process.argv.includes('--dry-run');
if (!folder) throw new Error('usage: wasm-merge-chunks.mjs <folder> [--dry-run]');
const loaderPath = join(folder, '__wasm_split.js');
const loader = readFileSync(loaderPath, 'utf8');

// The loader's shape (wasm-split-cli 0.2): a preamble (getSharedImports, wrapAsyncCb, makeLoad),
// then for each shared module
//   /* split, split, … */\nconst __chunk_N = makeLoad(() => { … fetch(new URL("./chunk_N.wasm" …) … }\n, []);
// and for each split point
//   export const __wasm_split_load_NAME = wrapAsyncCb(makeLoad(() => { … "./split_NAME.wasm" … }\n, [__chunk_…]));
// or, for a split point with no code of its own,
//   export const __wasm_split_load_NAME = wrapAsyncCb(makeLoad(() => async (_imp) => ({}), [__chunk_…]));
// Anything else, and the build stops: a loader misread would load the wrong code.
if (/^const __group_/m.test(loader)) throw new Error(`${loaderPath}: already merged`);
const preambleEnd = loader.search(/^(\/\*|const __chunk_|export const)/m);
if (preambleEnd < 0) throw new Error('__wasm_split.js: unexpected shape');
const preamble = loader.slice(0, preambleEnd);
for (const part of ['function getSharedImports(', 'function wrapAsyncCb(', 'function makeLoad(', 'loadingModule = undefined']) {
  if (!preamble.includes(part)) throw new Error(`__wasm_split.js: its preamble has no ${part}`);
}
let rest = loader.slice(preambleEnd);
const take = (pattern) => {
  const found = [...rest.matchAll(pattern)];
  rest = rest.replace(pattern, '');
  return found;
};
const moduleName = /^(chunk_\d+|split_\w+)\.wasm$/;
const chunkFiles = new Map(); // __chunk_N -> file
for (const m of take(/^\/\* [\w, ]* \*\/\nconst (__chunk_\d+) = makeLoad\(\(\) => \{\n\s*const src = fetch\(new URL\("\.\/([\w.]+)"[^\n]*\n[^\n]*\n[^\n]*\n\}\n, \[\]\);$/gm)) {
  if (!moduleName.test(m[2])) throw new Error(`__wasm_split.js: unexpected module name ${m[2]}`);
  chunkFiles.set(m[1], m[2]);
}
const splits = []; // { name, file (null: no code of its own), deps: [__chunk_N] }
const deps = (list) => list.split(',').map((d) => d.trim()).filter(Boolean);
for (const m of take(/^export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\n\s*const src = fetch\(new URL\("\.\/([\w.]+)"[^\n]*\n[^\n]*\n[^\n]*\n\}\n, \[([^\]]*)\]\)\);$/gm)) {
  if (!moduleName.test(m[2])) throw new Error(`__wasm_split.js: unexpected module name ${m[2]}`);
  splits.push({ name: m[1], file: m[2], deps: deps(m[3]) });
}
for (const m of take(/^export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => async \(_imp\) => \(\{\}\), \[([^\]]*)\]\)\);$/gm)) {
  splits.push({ name: m[1], file: null, deps: deps(m[2]) });
}
if (rest.trim() !== '') throw new Error(`__wasm_split.js: could not read ${rest.trim().slice(0, 200)}`);
if (splits.length === 0) throw new Error('__wasm_split.js: no split point');
if (splits.length > 31) throw new Error('more than 31 split points: widen the page masks');

// A module without its custom sections (names, producers): an estimate, taken before wasm-opt
// shrinks the code too, of what travels.
function withoutCustomSections(wasm) {
  const parts = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const start = at;
    const id = wasm[at++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at++];
      size += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) break;
    }
    at += size;
    if (id !== 0) parts.push(wasm.subarray(start, at));
  }
  return Buffer.concat(parts);
}

// The modules, each with the pages (split points) that load it, as a bit mask, and its size as
// it travels (brotli, as the server sends it; a fast level is close enough to choose).
const modules = new Map(); // file -> { mask, bytes }
const add = (file, bit) => {
  if (!modules.has(file)) {
    const raw = withoutCustomSections(readFileSync(join(folder, file)));
    modules.set(file, { mask: 0, bytes: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }).length });
  }
  modules.get(file).mask |= bit;
};
splits.forEach((split, i) => {
  if (split.file) add(split.file, 1 << i);
  for (const dep of split.deps) {
    const file = chunkFiles.get(dep);
    if (!file) throw new Error(`__wasm_split.js: ${split.name} loads unknown ${dep}`);
    add(file, 1 << i);
  }
});

// Split points that are only ever loaded on a page that loaded others first: the form to add to
// the health profile opens on the health pages, the forms to deposit a document (or write a note)
// on the documents pages. (The import form and the share link's bundle are such too, but counted
// so the merge gave every page more bytes: they are left out.) A module those pages all loaded is there already when the form's code
// is fetched, so it costs the form nothing: it is not counted as the form's when choosing merges
// (`cost`), though the form still lists its group (`mask`), to be safe.
const FOLLOWS = {
  profile_entry_form: ['record_health_page', 'pro_record_health_page'],
  record_deposit_forms: ['record_documents_page', 'pro_record_page'],
};
const bitOf = (name) => {
  const i = splits.findIndex((split) => split.name === name);
  if (i < 0) throw new Error(`wasm-merge-chunks.mjs: no split point ${name} (FOLLOWS)`);
  return 1 << i;
};
const follows = Object.entries(FOLLOWS).map(([split, hosts]) => ({
  bit: bitOf(split), hosts: hosts.reduce((bits, host) => bits | bitOf(host), 0),
}));
const costOf = (mask) => follows.reduce((cost, { bit, hosts }) =>
  (mask & bit) && (mask & hosts) === hosts ? cost & ~bit : cost, mask);

// How much each page counts. The login page is the first one a person opens, on any phone,
// and the one issue 20 holds under 350 KB: bytes it would fetch in vain count twice, so the
// merge does not give it other pages' code to save them a request. (Measured with the budgets
// test on 2026-12-07: weight 1, /connexion 353 KiB; 2, 347 KiB and the least over all pages;
// 4, 342 KiB but 70 KiB more over all pages.)
const WEIGHTS = { login_page: 2 };
const weightOf = splits.map((split) => WEIGHTS[split.name] ?? 1);
const weight = (x) => weightOf.reduce((sum, w, i) => (x & (1 << i) ? sum + w : sum), 0);
let groups = [...modules].map(([file, { mask, bytes }]) => ({ files: [file], mask, cost: costOf(mask), bytes }));
const gain = (a, b) => REQUEST_COST * weight(a.cost & b.cost)
  - b.bytes * weight(a.cost & ~b.cost) - a.bytes * weight(b.cost & ~a.cost);
for (;;) {
  let best = null;
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      if ((groups[i].cost & groups[j].cost) === 0) continue;
      const g = gain(groups[i], groups[j]);
      if (g > 0 && (!best || g > best.g)) best = { i, j, g };
    }
  }
  if (!best) break;
  const [a, b] = [groups[best.i], groups[best.j]];
  groups[best.i] = { files: [...a.files, ...b.files], mask: a.mask | b.mask, cost: a.cost | b.cost, bytes: a.bytes + b.bytes };
  groups.splice(best.j, 1);
}
groups.sort((a, b) => b.bytes - a.bytes);

// What each page's first load costs, before and after.
for (const [i, split] of splits.entries()) {
  const bit = 1 << i;
  const before = [...modules.values()].filter((m) => m.mask & bit);
  const after = groups.filter((g) => g.mask & bit);
  const sum = (list) => Math.round(list.reduce((n, m) => n + m.bytes, 0) / 1024);
  console.error(`[wasm-merge] ${split.name.padEnd(24)} ${String(before.length).padStart(3)} modules ${String(sum(before)).padStart(4)} KiB → ${String(after.length).padStart(2)} modules ${String(sum(after)).padStart(4)} KiB`);
}
if (dryRun) process.exit(0);

// The imports every module may have: the main module's memory, table and stack pointer, as
// `__wasm_split` names them. A merge goes through a small module that imports them once (under
// another name, so that it does not satisfy its own imports) and exports them to the merged
// modules, so that the result imports each once, not once per module it was made of (and
// exports them again, a few bytes no one uses).
const SHARED = '__wasm_split';
const MERGED = '__wasm_split_merged';
function imports(wasm) {
  let at = 8;
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
  };
  const name = () => { const length = leb(); const text = wasm.toString('utf8', at, at + length); at += length; return text; };
  const limits = () => {
    const flags = leb();
    if (flags & ~1) throw new Error(`an import with limit flags ${flags} (shared or 64-bit): unknown to the merge`);
    const min = leb();
    const max = flags & 1 ? leb() : undefined;
    return { min, max };
  };
  const list = [];
  while (at < wasm.length) {
    const id = wasm[at++];
    const size = leb();
    const end = at + size;
    // A start function would run as the module is instantiated, and the groups of a page are
    // instantiated in any order: wasm-split never writes one, and the merge relies on it.
    if (id === 8) throw new Error('a module with a start function: unknown to the merge');
    if (id === 2) {
      for (let count = leb(); count > 0; count--) {
        const entry = { module: name(), field: name(), kind: wasm[at++] };
        if (entry.kind === 0) leb();
        else if (entry.kind === 1) { entry.reftype = wasm[at++]; Object.assign(entry, limits()); }
        else if (entry.kind === 2) Object.assign(entry, limits());
        else if (entry.kind === 3) { entry.valtype = wasm[at++]; entry.mutable = wasm[at++] === 1; }
        list.push(entry);
      }
    }
    at = end;
  }
  return list;
}
const provided = new Map(); // field -> WAT of its import
for (const file of modules.keys()) {
  for (const entry of imports(readFileSync(join(folder, file)))) {
    const limits = `${entry.min}${entry.max === undefined ? '' : ` ${entry.max}`}`;
    const wat = entry.module !== SHARED ? null
      : entry.kind === 2 && entry.field === 'memory' ? `(memory $x ${limits})`
      : entry.kind === 1 && entry.reftype === 0x70 ? `(table $x ${limits} funcref)`
      : entry.kind === 3 && entry.valtype === 0x7f && entry.mutable ? '(global $x (mut i32))'
      : null;
    if (!wat) throw new Error(`${file} imports ${entry.module}.${entry.field} (kind ${entry.kind}): unknown to the merge`);
    if (provided.has(entry.field) && provided.get(entry.field) !== wat) throw new Error(`${file}: ${entry.field} imported as ${wat}, elsewhere as ${provided.get(entry.field)}`);
    provided.set(entry.field, wat);
  }
}
const kinds = { memory: 'memory', table: 'table', global: 'global' };
const provider = join(folder, '__wasm_split_provider.wasm');
const providerWat = `${provider}.wat`;
writeFileSync(providerWat, `(module\n${[...provided].map(([field, wat]) => {
  const kind = kinds[wat.slice(1, wat.indexOf(' '))];
  const named = wat.replace('$x', `$${field}`);
  return ` (import "${MERGED}" "${field}" ${named})\n (export "${field}" (${kind} $${field}))`;
}).join('\n')}\n)\n`);
const bin = fileURLToPath(new URL('../node_modules/.bin', import.meta.url));
const features = ['--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-mutable-globals', '--enable-sign-ext',
  '--enable-nontrapping-float-to-int', '--enable-reference-types', '--enable-multivalue', '--enable-call-indirect-overlong'];
execFileSync(join(bin, 'wasm-as'), [providerWat, '-o', provider, ...features]);

// Merge, one process per core, largest first. A group is named after the split points whose own
// module it holds (`split_record_page.wasm`, `split_activate_page-recover_page.wasm`; past three,
// the first and how many more), else after its lowest-numbered shared module (`chunk_16.wasm`).
const merges = groups.map((group, index) => {
  if (group.files.length === 1) return { group, file: group.files[0] };
  const own = group.files.filter((file) => file.startsWith('split_')).map((file) => file.slice(6, -5)).sort();
  const shared = group.files.filter((file) => file.startsWith('chunk_')).sort((a, b) => parseInt(a.slice(6), 10) - parseInt(b.slice(6), 10));
  const named = own.length > 3 ? `${own[0]}-and-${own.length - 1}` : own.join('-');
  return { group, file: own.length > 0 ? `split_${named}.wasm` : shared[0], merging: `.merging_${index}.wasm` };
});
const queue = merges.filter(({ group }) => group.files.length > 1);
const run = (args) => new Promise((done, fail) => execFile(join(bin, 'wasm-merge'), args, { maxBuffer: 1 << 26 },
  (error, _stdout, stderr) => (error ? fail(new Error(`wasm-merge ${args.join(' ')}: ${stderr}`)) : done())));
await Promise.all(Array.from({ length: availableParallelism() }, async () => {
  for (let next = queue.shift(); next; next = queue.shift()) {
    await run([provider, SHARED, ...next.group.files.flatMap((file, i) => [join(folder, file), `m${i}`]),
      ...features, '--quiet', '-o', join(folder, next.merging)]);
  }
}));
rmSync(provider);
rmSync(providerWat);
for (const { group, merging } of merges) {
  if (merging) for (const member of group.files) rmSync(join(folder, member));
}
for (const { file, merging } of merges) {
  if (merging) renameSync(join(folder, merging), join(folder, file));
}

// The loader: one memoised load per group, and each split point loads the groups it needs.
const loads = merges.map(({ group, file }, index) => {
  const pages = splits.filter((_, i) => group.mask & (1 << i)).map((split) => split.name).join(', ');
  return `/* ${pages}: ${group.files.join(', ')} */
const __group_${index} = makeLoad(() => {
    const src = fetch(new URL("./${file}", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, { ...imports, ${MERGED}: imports.${SHARED} }));
}
, []);
`;
});
const points = splits.map((split, i) => {
  const needed = merges.map((_, index) => index).filter((index) => merges[index].group.mask & (1 << i));
  return `export const __wasm_split_load_${split.name} = wrapAsyncCb(() => Promise.all([${needed.map((index) => `__group_${index}()`).join(', ')}]));\n`;
});
writeFileSync(loaderPath, `${preamble}${loads.join('')}${points.join('')}`);
console.error(`[wasm-merge] ${modules.size} modules merged into ${merges.length}`);
