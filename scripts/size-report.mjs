// Prints the sizes of the first page's critical path (main wasm + JS glue + split loader + CSS),
// raw, gzip -9 and brotli 11, and fails when the brotli total exceeds the budget. The lazily
// loaded chunks (pages split out by wasm-split) are listed after it: they are fetched only when
// a page needs them. Run after scripts/build-site.sh (scripts/size-report.sh does both).
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const BUDGET = 250_000;
const AIM = 200_000;
const pkg = resolve(import.meta.dirname, '../target/site/pkg');
const files = ['carnet_bg.wasm', 'carnet.js', '__wasm_split.js', 'carnet.css'];
const chunks = readdirSync(pkg).filter((name) => name.endsWith('.wasm') && name !== 'carnet_bg.wasm').sort();

const measure = (name) => {
  const data = readFileSync(join(pkg, name));
  return {
    name,
    raw: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }).length,
  };
};
const rows = files.map(measure);
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
  { raw: 0, gzip: 0, brotli: 0 });

const fmt = (n) => n.toLocaleString('en-US').padStart(10);
const line = (name, r) => console.log(`${name.slice(0, 40).padEnd(42)}${fmt(r.raw)}${fmt(r.gzip)}${fmt(r.brotli)}`);
console.log(`${'first page (critical path)'.padEnd(42)}${'raw'.padStart(10)}${'gzip -9'.padStart(10)}${'brotli 11'.padStart(10)}`);
for (const r of rows) line(r.name, r);
line('total', total);
console.log('lazily loaded chunks');
for (const r of chunks.map(measure)) line(r.name, r);
const kb = (n) => (n / 1000).toFixed(1);
console.log(`critical path: ${kb(total.brotli)} KB brotli (budget ${kb(BUDGET)} KB, aim ${kb(AIM)} KB; 1 KB = 1,000 bytes)`);
if (total.brotli > BUDGET) {
  console.error('size budget exceeded');
  process.exit(1);
}
