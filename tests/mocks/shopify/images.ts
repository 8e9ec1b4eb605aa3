/**
 * Product image files for the stand-in's CDN path `/cdn/shop/files/<MediaImage id>.png`: Shopify's CDN
 * cannot be reached here, so each image is a PNG generated from its id (same id → same bytes): a pastel
 * background with a darker disc, colours from the id. Dev/test tool only.
 */
import type { ServerResponse } from "node:http";
import { deflateSync } from "node:zlib";
import { IMAGE_SIZE } from "./store/state";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** HSL (h in degrees, s and l in 0..1) → RGB bytes. */
function hsl(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** The PNG of image `id`: `size` × `size` pixels, RGB, deterministic. */
export function productImagePng(id: number, size = IMAGE_SIZE): Buffer {
  // A cheap integer hash of the id spreads neighbouring ids over the colour wheel.
  const hash = Math.imul((id % 2_147_483_647) ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
  const hue = hash % 360;
  const background = hsl(hue, 0.55, 0.86);
  const disc = hsl((hue + 20) % 360, 0.45, 0.45 + ((hash >>> 9) % 15) / 100);
  const radius = size * (0.26 + ((hash >>> 4) % 10) / 100);
  const centre = (size - 1) / 2;
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const inside = (x - centre) ** 2 + (y - centre) ** 2 <= radius ** 2;
      const [r, g, b] = inside ? disc : background;
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * Serves `GET /cdn/shop/files/<id>.png` (any query, e.g. `?width=160`, is ignored) when `exists(id)`;
 * 404 for an unknown id. Returns false for other paths.
 */
export function serveProductImage(pathname: string, res: ServerResponse, exists: (id: number) => boolean): boolean {
  const match = /^\/cdn\/shop\/files\/(\d{1,20})\.png$/.exec(pathname);
  if (!match) return false;
  const id = Number(match[1]);
  if (!exists(id)) {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("Not Found");
    return true;
  }
  const png = productImagePng(id);
  res.writeHead(200, {
    "Content-Type": "image/png",
    "Content-Length": String(png.length),
    "Cache-Control": "public, max-age=31536000, immutable",
    "Access-Control-Allow-Origin": "*",
  });
  res.end(png);
  return true;
}
