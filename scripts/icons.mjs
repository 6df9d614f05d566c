// Draws the app's PNG icons (the sizes browsers and the web app manifest ask for) from the same
// shapes as public/favicon.svg, with nothing but Node: polygons filled with 4×4 supersampling,
// written as PNG with zlib. Run once after changing a shape: `node scripts/icons.mjs`.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { resolve } from 'node:path';

const out = resolve(import.meta.dirname, '../public/icons');
const teal = [0x0b, 0x5c, 0x73], white = [0xff, 0xff, 0xff], red = [0xb3, 0x26, 0x1e];
// In the favicon's 64×64 space.
const page = [[18, 14], [40, 14], [48, 22], [48, 50], [18, 50]];
const cross = [[30, 26], [36, 26], [36, 32], [42, 32], [42, 38], [36, 38], [36, 44], [30, 44], [30, 38], [24, 38], [24, 32], [30, 32]];
const bigCross = [[26, 12], [38, 12], [38, 26], [52, 26], [52, 38], [38, 38], [38, 52], [26, 52], [26, 38], [12, 38], [12, 26], [26, 26]];

function inside(poly, x, y) {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

function inRoundedSquare(x, y, radius) {
  if (radius === 0) return x >= 0 && x <= 64 && y >= 0 && y <= 64;
  const cx = Math.min(Math.max(x, radius), 64 - radius), cy = Math.min(Math.max(y, radius), 64 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

// layers: [shape test, colour], the last that hits wins; `scale` shrinks the symbol (maskable).
function draw(size, { radius, background, layers, scale = 1 }) {
  const rgba = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = ((px + (sx + 0.5) / n) / size) * 64, y = ((py + (sy + 0.5) / n) / size) * 64;
          if (!inRoundedSquare(x, y, radius)) continue;
          let colour = background;
          const ux = 32 + (x - 32) / scale, uy = 32 + (y - 32) / scale;
          for (const [poly, c] of layers) if (inside(poly, ux, uy)) colour = c;
          sum[0] += colour[0]; sum[1] += colour[1]; sum[2] += colour[2]; sum[3] += 255;
        }
      }
      const o = (py * size + px) * 4, hits = sum[3] / 255;
      for (let k = 0; k < 3; k++) rgba[o + k] = hits ? Math.round(sum[k] / hits) : 0;
      rgba[o + 3] = Math.round(sum[3] / (n * n));
    }
  }
  return png(size, rgba);
}

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, tail]);
}

function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

const carnet = { radius: 12, background: teal, layers: [[page, white], [cross, teal]] };
for (const size of [192, 512]) writeFileSync(`${out}/carnet-${size}.png`, draw(size, carnet));
writeFileSync(`${out}/apple-touch-icon.png`, draw(180, { ...carnet, radius: 0 }));
// Maskable: full bleed, the symbol inside the 80 % safe circle.
writeFileSync(`${out}/carnet-maskable-512.png`, draw(512, { ...carnet, radius: 0, scale: 0.62 }));
writeFileSync(`${out}/urgence-96.png`, draw(96, { radius: 12, background: red, layers: [[bigCross, white]] }));
console.log('icons written to', out);
