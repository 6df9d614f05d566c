// Stamps the service worker of a built site with its app shell: the list of files kept for
// offline use and a version that is a digest of their contents, so that every build that changes
// one of them is a new worker (and the app tells the user a new version is ready).
// Usage: node scripts/sw-stamp.mjs <site folder>
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const site = process.argv[2];
if (!site) throw new Error('usage: sw-stamp.mjs <site folder>');

function walk(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// What the app needs to start and run with no server: its page, code, style, icons, fonts, the
// thesaurus it checks treatments against, the medicines database that names them, and the
// emergency card's page.
const wanted = (path) =>
  /^pkg\/.+\.(js|wasm|css)$/.test(path) ||
  /^icons\/.+\.png$/.test(path) ||
  /^fonts\//.test(path) ||
  [
    'app.html', 'boot.js', 'manifest.webmanifest', 'favicon.svg',
    'carte-urgence.html', 'urgence.js', 'urgence.css', 'data/ansm-interactions.json',
    'data/bdpm-medicines.json',
  ].includes(path);

const files = walk(site)
  .map((path) => relative(site, path).split('\\').join('/'))
  .filter(wanted)
  .sort();
const digest = createHash('sha256');
for (const file of files) {
  digest.update(file).update('\0').update(readFileSync(join(site, file))).update('\0');
}
const version = digest.digest('hex').slice(0, 16);
const worker = join(site, 'sw.js');
const source = readFileSync(worker, 'utf8');
if (!source.includes('__CARNET_VERSION__')) throw new Error('sw.js is already stamped');
writeFileSync(worker, source
  .replace('"__CARNET_VERSION__"', JSON.stringify(version))
  .replace('["__CARNET_SHELL__"]', JSON.stringify(files.map((file) => `/${file}`))));
console.error(`[sw-stamp] version ${version}, ${files.length} files kept for offline use`);
