// Header sniffing for tp.image.decode: the format from its magic bytes, and the declared size
// and channel count read from the header before any decoder allocates for them, so a hostile
// file that claims a huge image is refused for the cost of reading a few bytes.
import { fail } from '../core/errors';

export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** channels the file stores (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA / CMYK) */
  channels: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function sniffFormat(op: string, b: Uint8Array): ImageFormat {
  if (b.length >= 8 && PNG_MAGIC.every((v, i) => b[i] === v)) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  const head = Array.from(b.subarray(0, 8), (v) => v.toString(16).padStart(2, '0')).join(' ');
  return fail(op, `not a PNG or JPEG file (${b.length} bytes, starting ${head || '<empty>'})`, 'ERR_FORMAT');
}

const u32 = (b: Uint8Array, i: number): number => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u16 = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];

// PNG colour type → stored channels (palette images decode to RGB, or RGBA with tRNS; see decode)
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

function pngHeader(op: string, b: Uint8Array): ImageHeader {
  // the IHDR chunk must come first: length 13 at byte 8, type at 12, data at 16
  if (b.length < 33 || u32(b, 8) !== 13 || String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR')
    fail(op, `PNG file has no IHDR chunk where the format puts it (${b.length} bytes)`, 'ERR_FORMAT');
  const width = u32(b, 16), height = u32(b, 20), colorType = b[25];
  const channels = PNG_CHANNELS[colorType];
  if (channels === undefined) fail(op, `PNG colour type ${colorType} is not one of 0, 2, 3, 4, 6`, 'ERR_FORMAT');
  return { format: 'png', width, height, channels };
}

function jpegHeader(op: string, b: Uint8Array): ImageHeader {
  // walk the marker segments up to the first start-of-frame (SOF0–SOF15 but DHT C4, JPG C8, DAC CC)
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) fail(op, `JPEG file has a bad marker at byte ${i}`, 'ERR_FORMAT');
    const m = b[i + 1];
    if (m === 0xff) { i++; continue; } // fill byte
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) { i += 2; continue; }
    const len = u16(b, i + 2);
    if (len < 2) fail(op, `JPEG segment at byte ${i} has length ${len}`, 'ERR_FORMAT');
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (i + 10 > b.length) break;
      return { format: 'jpeg', height: u16(b, i + 5), width: u16(b, i + 7), channels: b[i + 9] };
    }
    if (m === 0xda || m === 0xd9) break; // scan data or the end before any frame header
    i += 2 + len;
  }
  return fail(op, `JPEG file has no frame header (SOF) (${b.length} bytes: truncated or not a JPEG)`, 'ERR_FORMAT');
}

/** The header of a PNG or JPEG file; ERR_FORMAT for anything else, or a size over maxPixels. */
export function readHeader(op: string, b: Uint8Array, maxPixels: number): ImageHeader {
  const format = sniffFormat(op, b);
  const h = format === 'png' ? pngHeader(op, b) : jpegHeader(op, b);
  if (h.width < 1 || h.height < 1) fail(op, `${format} file declares a ${h.width} x ${h.height} image`, 'ERR_FORMAT');
  if (h.channels < 1 || h.channels > 4) fail(op, `${format} file declares ${h.channels} colour components (1 to 4 are read)`, 'ERR_FORMAT');
  if (h.width * h.height > maxPixels)
    fail(op, `${format} file declares a ${h.width} x ${h.height} image, over maxPixels = ${maxPixels} (raise the option to read it)`, 'ERR_FORMAT');
  return h;
}
