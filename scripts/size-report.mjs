// Prints the sizes of the first page's critical path (wasm + JS glue + CSS), raw, gzip -9 and
// brotli 11, and fails when the brotli total exceeds the budget. Run after scripts/build-site.sh
// (scripts/size-report.sh does both).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const BUDGET = 250_000;
const AIM = 200_000;
const pkg = resolve(import.meta.dirname, '../target/site/pkg');
const files = ['carnet_bg.wasm', 'carnet.js', 'carnet.css'];

const rows = files.map((name) => {
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
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
  { raw: 0, gzip: 0, brotli: 0 });

const fmt = (n) => n.toLocaleString('en-US').padStart(10);
console.log(`${'file'.padEnd(16)}${'raw'.padStart(10)}${'gzip -9'.padStart(10)}${'brotli 11'.padStart(10)}`);
for (const r of rows) console.log(`${r.name.padEnd(16)}${fmt(r.raw)}${fmt(r.gzip)}${fmt(r.brotli)}`);
console.log(`${'total'.padEnd(16)}${fmt(total.raw)}${fmt(total.gzip)}${fmt(total.brotli)}`);
const kb = (n) => (n / 1000).toFixed(1);
console.log(`critical path: ${kb(total.brotli)} KB brotli (budget ${kb(BUDGET)} KB, aim ${kb(AIM)} KB; 1 KB = 1,000 bytes)`);
if (total.brotli > BUDGET) {
  console.error('size budget exceeded');
  process.exit(1);
}
