// The app's PNG icons (192 and 512 pixels, and a full-bleed maskable one), drawn at build time into
// the bundle: `node scripts/icons.mjs dist`. The same shape as public/icon.svg — a rounded square
// with a white "i" (a dot over a stem) — drawn from geometry, so no font or image tool is needed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";

const BACKGROUND = [0x2f, 0x5d, 0x62];
const FOREGROUND = [0xff, 0xff, 0xff];
const SAMPLES = 4; // per axis: 16 samples a pixel smooth the edges

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Where the shape is, in the SVG's 512-unit square: 0 outside, 1 background, 2 the letter. */
function shapeAt(x, y, rounded) {
  const radius = rounded ? 96 : 0;
  const cx = Math.min(Math.max(x, radius), 512 - radius);
  const cy = Math.min(Math.max(y, radius), 512 - radius);
  if ((x - cx) ** 2 + (y - cy) ** 2 > radius ** 2) return 0;
  const dot = (x - 256) ** 2 + (y - 150) ** 2 <= 36 ** 2;
  const stem = x >= 224 && x <= 288 && y >= 218 && y <= 392;
  return dot || stem ? 2 : 1;
}

export function iconPng(size, { rounded = true } = {}) {
  const rows = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let px = 0; px < size; px++) {
      const counts = [0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = ((px + (sx + 0.5) / SAMPLES) * 512) / size;
          const y = ((py + (sy + 0.5) / SAMPLES) * 512) / size;
          counts[shapeAt(x, y, rounded)] += 1;
        }
      }
      const covered = counts[1] + counts[2];
      const offset = 1 + px * 4;
      for (let channel = 0; channel < 3; channel++) {
        const mixed = covered ? (BACKGROUND[channel] * counts[1] + FOREGROUND[channel] * counts[2]) / covered : 0;
        row[offset + channel] = Math.round(mixed);
      }
      row[offset + 3] = Math.round((255 * covered) / SAMPLES ** 2);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export const ICONS = {
  "icon-192.png": [192, { rounded: true }],
  "icon-512.png": [512, { rounded: true }],
  "icon-maskable-512.png": [512, { rounded: false }],
};

const folder = process.argv[2];
if (folder) {
  for (const [name, [size, options]] of Object.entries(ICONS)) writeFileSync(join(folder, name), iconPng(size, options));
}
