// tp.image.decode: PNG (pngjs) and JPEG (jpeg-js) bytes → an [H, W, C] tensor. The declared
// size is checked against maxPixels before either library allocates (sniff.ts), and every
// decoder failure becomes one ERR_FORMAT error, so a hostile or truncated file never crashes.
import type * as jpegjs from 'jpeg-js';
import { Tensor } from '../tensor';
import { TapeflowError, fail, describe } from '../core/errors';
import { fromTyped } from '../ops/creation';
import { readHeader, ImageHeader } from './sniff';

// pngjs ships no types; the one call used here. Both decoders load on first use, as protobufjs
// does for tp.onnx, so require('tapeflow') stays quick.
interface PngSync { sync: { read(b: Buffer, o: object): { data: Buffer; color: boolean; alpha: boolean } } }

export interface DecodeOptions {
  /** 1 (gray), 3 (RGB) or 4 (RGBA); 0 / undefined: the file's own (1, 2, 3 or 4) */
  channels?: number;
  /** 'uint8' (default): integers 0–255 in an int32 tensor; 'float32': values / 255 in [0, 1] */
  dtype?: 'uint8' | 'float32';
  /** the most pixels (width × height) a file may declare; default 2^25 (about 33.5 M) */
  maxPixels?: number;
}

const KNOWN = ['channels', 'dtype', 'maxPixels'];
const DEFAULT_MAX_PIXELS = 1 << 25;

/** RGBA or RGB pixels (`from` channels each) → `to` channels; gray as PIL's 'L' (ITU-R 601, rounded). */
function convert(src: Uint8Array, n: number, from: number, to: number): Uint8Array {
  if (from === to) return src;
  const out = new Uint8Array(n * to);
  for (let p = 0, s = 0, d = 0; p < n; p++, s += from, d += to) {
    const r = src[s], g = src[s + 1], b = src[s + 2];
    if (to === 1) out[d] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
    else if (to === 2) { out[d] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16; out[d + 1] = from === 4 ? src[s + 3] : 255; }
    else { out[d] = r; out[d + 1] = g; out[d + 2] = b; if (to === 4) out[d + 3] = from === 4 ? src[s + 3] : 255; }
  }
  return out;
}

function decodePng(b: Uint8Array): { data: Uint8Array; channels: number } {
  // pngjs always hands back 8-bit RGBA (16-bit samples rescaled, palettes expanded)
  const { PNG } = require('pngjs') as { PNG: PngSync }; // eslint-disable-line @typescript-eslint/no-var-requires
  const png = PNG.sync.read(Buffer.from(b.buffer, b.byteOffset, b.byteLength), { checkCRC: true });
  const own = png.color ? (png.alpha ? 4 : 3) : png.alpha ? 2 : 1;
  return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), channels: own };
}

function decodeJpeg(b: Uint8Array, h: ImageHeader, maxPixels: number): { data: Uint8Array; channels: number } {
  const jpeg = require('jpeg-js') as typeof jpegjs; // eslint-disable-line @typescript-eslint/no-var-requires
  const img = jpeg.decode(b, {
    useTArray: true,
    formatAsRGBA: false,
    tolerantDecoding: false,
    maxResolutionInMP: maxPixels / 1e6,
    maxMemoryUsageInMB: Math.max(64, Math.ceil((maxPixels * 12) / (1 << 20))),
  });
  // jpeg-js gives RGB; a one-component (gray) file keeps one channel, CMYK is RGB after conversion
  return { data: img.data, channels: h.channels === 1 ? 1 : 3 };
}

/** Decodes a PNG or JPEG file (format sniffed from its first bytes) to an [H, W, C] tensor. */
export function decode(buffer: Uint8Array, options?: DecodeOptions): Tensor {
  const op = 'image.decode';
  if (!(buffer instanceof Uint8Array)) fail(op, `expected a Buffer / Uint8Array of file bytes, got ${describe(buffer)}`);
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options)))
    fail(op, `options must be an object, got ${describe(options)}`);
  const o = options ?? {};
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) fail(op, `unknown option '${k}' (known: ${KNOWN.join(', ')})`);
  const want = o.channels ?? 0;
  if (![0, 1, 3, 4].includes(want as number)) fail(op, `channels must be 0, 1, 3 or 4, got ${describe(o.channels)}`);
  const dtype = o.dtype ?? 'uint8';
  if (dtype !== 'uint8' && dtype !== 'float32') fail(op, `dtype must be 'uint8' or 'float32', got ${describe(o.dtype)}`);
  const maxPixels = o.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (typeof maxPixels !== 'number' || !Number.isInteger(maxPixels) || maxPixels < 1 || maxPixels > 2 ** 31)
    fail(op, `maxPixels must be an integer in [1, 2^31], got ${describe(o.maxPixels)}`);
  const h = readHeader(op, buffer, maxPixels);
  let px: { data: Uint8Array; channels: number };
  try {
    px = h.format === 'png' ? decodePng(buffer) : decodeJpeg(buffer, h, maxPixels);
  } catch (e) {
    if (e instanceof TapeflowError) throw e;
    throw new TapeflowError(`${op}: cannot decode this ${h.format} file (${buffer.length} bytes, ${h.width} x ${h.height}): ${(e as Error)?.message ?? String(e)}`, 'ERR_FORMAT');
  }
  const n = h.width * h.height;
  // pngjs and jpeg-js hand back 4 and 3 bytes a pixel; the file's own count decides the output's
  const stored = h.format === 'png' ? 4 : 3;
  if (px.data.length !== n * stored)
    fail(op, `${h.format} decoder returned ${px.data.length} bytes for a ${h.width} x ${h.height} image`, 'ERR_FORMAT');
  const C = want === 0 ? px.channels : want;
  const data = convert(px.data, n, stored, C);
  const shape = [h.height, h.width, C];
  if (dtype === 'uint8') return fromTyped(Int32Array.from(data), shape, 'int32');
  const f = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) f[i] = data[i] / 255;
  return fromTyped(f, shape, 'float32');
}
