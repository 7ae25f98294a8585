// Writes media/icon.png, the 128×128 Marketplace icon: the activity-bar mark (π with a key dot,
// media/pi-accounts.svg) in white on a rounded indigo square. Plain Node (zlib), no image
// library, so anyone can regenerate it: `node scripts/make-icon.mjs`.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 128;
const SS = 4; // supersampling per axis, for smooth edges
const S = N / 24; // the SVG's 24-unit grid → pixels

const inRoundedSquare = (x, y) => {
  const r = 28;
  const cx = Math.min(Math.max(x, r), N - r);
  const cy = Math.min(Math.max(y, r), N - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
// Distance from p to segment a–b, in pixels.
const seg = (px, py, ax, ay, bx, by) => {
  const [dx, dy] = [bx - ax, by - ay];
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
};
const W = 1.9 * S; // stroke width (a little bolder than the 1.6 of the 24 px glyph)
const inGlyph = (x, y) => {
  const [u, v] = [x / S, y / S];
  const d =
    Math.min(
      seg(u, v, 4, 7, 20, 7), // the bar
      seg(u, v, 8, 7, 8, 18), // left leg
      seg(u, v, 15, 7, 15, 15.5), // right leg…
      Math.abs(Math.hypot(u - 17.5, v - 15.5) - 2.5) + (u > 17.5 || v < 15.5 ? 99 : 0), // …its curl
    ) * S;
  const dot = Math.abs(Math.hypot(u - 18.5, v - 4.5) - 1.5) * S;
  return Math.min(d, dot) <= W / 2;
};

const rows = [];
for (let y = 0; y < N; y++) {
  const row = Buffer.alloc(1 + N * 4); // filter byte 0, then RGBA
  for (let x = 0; x < N; x++) {
    let bg = 0;
    let fg = 0;
    for (let i = 0; i < SS; i++)
      for (let j = 0; j < SS; j++) {
        const [px, py] = [x + (i + 0.5) / SS, y + (j + 0.5) / SS];
        if (inRoundedSquare(px, py)) (bg++, inGlyph(px, py) && fg++);
      }
    const a = bg / (SS * SS);
    const f = bg ? fg / bg : 0;
    // Indigo, lighter at the top; white glyph.
    const base = [63 + (y / N) * -20, 81 + (y / N) * -25, 181 + (y / N) * -40];
    const rgb = base.map((c) => Math.round(c * (1 - f) + 255 * f));
    row.set([...rgb, Math.round(a * 255)], 1 + x * 4);
  }
  rows.push(row);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc(body));
  return Buffer.concat([len, body, sum]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0);
ihdr.writeUInt32BE(N, 4);
ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = new URL('../media/icon.png', import.meta.url);
writeFileSync(out, png);
console.log(`wrote ${out.pathname} (${png.length} bytes, ${N}×${N})`);
