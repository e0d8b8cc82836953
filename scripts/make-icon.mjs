// Renders media/icon.png (128×128 RGBA) from simple shapes, without any image tool: two cores and a user
// interrupt (arrow + bolt) on a dark blue rounded square. media/icon.svg is the same design as a vector.
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const W = 128, H = 128, SS = 4; // 4×4 supersampling
const px = new Float64Array(W * H * 4);

const rgb = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
function roundRect(x, y, w, h, r) {
  return (px_, py) => {
    if (px_ < x || py < y || px_ > x + w || py > y + h) return false;
    const cx = Math.min(Math.max(px_, x + r), x + w - r), cy = Math.min(Math.max(py, y + r), y + h - r);
    return (px_ - cx) ** 2 + (py - cy) ** 2 <= r * r;
  };
}
function polygon(pts) {
  return (x, y) => {
    let inside = false;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i], [xj, yj] = pts[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}
function segment(x1, y1, x2, y2, w) {
  return (x, y) => {
    const dx = x2 - x1, dy = y2 - y1;
    const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
    return (x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2 <= (w / 2) ** 2;
  };
}
const shapes = [
  [roundRect(4, 4, 120, 120, 18), '#1f3a5f'],
  [roundRect(12.5, 28.5, 39, 71, 7), '#9cc7f0'],
  [roundRect(15, 31, 34, 66, 5), '#2f6fb2'],
  [roundRect(76.5, 28.5, 39, 71, 7), '#9cc7f0'],
  [roundRect(79, 31, 34, 66, 5), '#2f6fb2'],
  [segment(26, 64, 70, 64, 7), '#ffd24a'],
  [segment(70, 64, 60, 54, 7), '#ffd24a'],
  [segment(70, 64, 60, 74, 7), '#ffd24a'],
  [polygon([[100, 38], [86, 68], [97, 68], [88, 94], [108, 58], [97, 58], [106, 38]]), '#ffd24a'],
];
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    const acc = [0, 0, 0, 0];
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const fx = x + (sx + 0.5) / SS, fy = y + (sy + 0.5) / SS;
        let c = null;
        for (const [inside, col] of shapes) if (inside(fx, fy)) c = col;
        if (c) {
          const [r, g, b] = rgb(c);
          acc[0] += r; acc[1] += g; acc[2] += b; acc[3] += 1;
        }
      }
    }
    const i = (y * W + x) * 4;
    const n = acc[3];
    if (n) {
      px[i] = acc[0] / n; px[i + 1] = acc[1] / n; px[i + 2] = acc[2] / n;
    }
    px[i + 3] = (255 * n) / (SS * SS);
  }
}

const raw = Buffer.alloc(H * (1 + W * 4));
for (let y = 0; y < H; y++) {
  raw[y * (1 + W * 4)] = 0;
  for (let x = 0; x < W * 4; x++) raw[y * (1 + W * 4) + 1 + x] = Math.round(px[y * W * 4 + x]);
}
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (b) => {
  let c = 0xffffffff;
  for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(W, 0);
ihdr.writeUInt32BE(H, 4);
ihdr.set([8, 6, 0, 0, 0], 8);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
fs.mkdirSync(path.join(root, 'media'), { recursive: true });
fs.writeFileSync(path.join(root, 'media/icon.png'), png);
console.log(`media/icon.png: ${png.length} bytes`);
