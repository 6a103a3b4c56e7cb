import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';

/**
 * Renders a report page in headless Chromium and checks the picture is a real page, not a blank one:
 *   node dist/scripts/report-screenshot.js report.html report.png
 * (`lapse report --out report.html` first). Debian's `chromium` package provides /usr/bin/chromium;
 * LAPSE_CHROMIUM names another binary. Prints the PNG's size and distinct colours; exit 1 on failure.
 */

export const CHROMIUM = process.env['LAPSE_CHROMIUM'] ?? '/usr/bin/chromium';

export function chromiumAvailable(binary = CHROMIUM): boolean {
  return existsSync(binary);
}

/** Takes a screenshot of a local HTML file at 1280×`height`; resolves with the PNG's path. */
export async function screenshot(htmlPath: string, pngPath: string, o: { height?: number; timeoutMs?: number; binary?: string } = {}): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'lapse-chromium-'));
  const png = resolve(pngPath);
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--hide-scrollbars', '--force-color-profile=srgb', `--user-data-dir=${profile}`,
    `--screenshot=${png}`, `--window-size=1280,${o.height ?? 2000}`, pathToFileURL(resolve(htmlPath)).href,
  ];
  try {
    await new Promise<void>((done, fail) => {
      const child = spawn(o.binary ?? CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => {
        stderr = (stderr + b.toString()).slice(-4000);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
      child.on('error', (err) => {
        clearTimeout(timer);
        fail(new Error(`cannot start ${o.binary ?? CHROMIUM}: ${err.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) done();
        else fail(new Error(`chromium exited with ${signal ?? code} rendering ${htmlPath}:\n${stderr}`));
      });
    });
    if (!existsSync(png) || (await stat(png)).size === 0) throw new Error(`chromium wrote no screenshot to ${png}`);
    return png;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

export interface Picture {
  width: number;
  height: number;
  /** `#rrggbb` → number of pixels. */
  colors: Map<string, number>;
}

/**
 * Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) with node's zlib, and counts
 * its colours. PNG format: https://www.w3.org/TR/png-3/ (chunks, IDAT zlib stream, per-row filters).
 */
export function decodePng(buf: Buffer): Picture {
  if (buf.length < 8 || buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG file');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colorType, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      channels = colorType === 2 ? 3 : colorType === 6 ? 4 : 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) {
        throw new Error(`unsupported PNG: bit depth ${depth}, colour type ${colorType}, interlace ${interlace}`);
      }
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (!width || !height) throw new Error('PNG has no IHDR chunk');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error(`PNG data is short: ${raw.length} bytes for ${width}×${height}`);
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) unfilter(raw, pixels, y, stride, channels);
  const colors = new Map<string, number>();
  for (let i = 0; i < pixels.length; i += channels) {
    const key = `#${((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!).toString(16).padStart(6, '0')}`;
    colors.set(key, (colors.get(key) ?? 0) + 1);
  }
  return { width, height, colors };
}

/** Reverses one row's filter (None, Sub, Up, Average, Paeth) into `out`. */
function unfilter(raw: Buffer, out: Buffer, y: number, stride: number, bpp: number): void {
  const filter = raw[y * (stride + 1)]!;
  const src = y * (stride + 1) + 1;
  const row = y * stride;
  for (let x = 0; x < stride; x++) {
    const a = x >= bpp ? out[row + x - bpp]! : 0;
    const b = y > 0 ? out[row - stride + x]! : 0;
    const c = x >= bpp && y > 0 ? out[row - stride + x - bpp]! : 0;
    const v = raw[src + x]!;
    let p: number;
    if (filter === 0) p = 0;
    else if (filter === 1) p = a;
    else if (filter === 2) p = b;
    else if (filter === 3) p = (a + b) >> 1;
    else if (filter === 4) p = paeth(a, b, c);
    else throw new Error(`PNG row ${y}: unknown filter ${filter}`);
    out[row + x] = (v + p) & 0xff;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Pixels whose colour is within `tolerance` (per channel) of `hex`. */
export function pixelsNear(picture: Picture, hex: string, tolerance = 4): number {
  const t = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(t >> 16) & 255, (t >> 8) & 255, t & 255];
  let n = 0;
  for (const [key, count] of picture.colors) {
    const v = parseInt(key.slice(1), 16);
    if (Math.abs(((v >> 16) & 255) - r) <= tolerance && Math.abs(((v >> 8) & 255) - g) <= tolerance && Math.abs((v & 255) - b) <= tolerance) n += count;
  }
  return n;
}

async function main(argv: string[]): Promise<number> {
  const [html, png] = argv;
  if (!html || !png) {
    process.stderr.write('usage: node dist/scripts/report-screenshot.js REPORT.html OUT.png\n');
    return 2;
  }
  if (!chromiumAvailable()) {
    process.stderr.write(`${CHROMIUM} not found: apt-get install chromium (or set LAPSE_CHROMIUM)\n`);
    return 1;
  }
  await screenshot(html, png);
  const picture = decodePng(await readFile(png));
  const bytes = (await stat(png)).size;
  process.stdout.write(`${png}: ${picture.width}×${picture.height}, ${bytes} bytes, ${picture.colors.size} distinct colours\n`);
  if (picture.colors.size < 16) {
    process.stderr.write(`${png} looks blank (${picture.colors.size} colours)\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
