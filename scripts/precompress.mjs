// Writes a brotli (.br) and a gzip (.gz) copy beside every text-like file of the site (wasm,
// JS, CSS, JSON, SVG, web manifest), so the server sends the smaller one a browser accepts
// without compressing per request. Run by build-site.sh on the staging folder.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/precompress.mjs <site folder>');
  process.exit(2);
}
const compressible = /\.(wasm|js|mjs|css|json|svg|webmanifest|txt)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (compressible.test(name)) yield path;
  }
}

let count = 0;
for (const path of files(root)) {
  const data = readFileSync(path);
  if (data.length < 1024) continue;
  writeFileSync(`${path}.br`, brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  }));
  writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
  count += 1;
}
console.error(`[precompress] ${count} files, each with .br and .gz`);
