// Hostile files for tp.image.decode: every committed fixture mutated (bytes flipped, runs
// overwritten, truncated, chunk lengths and declared sizes changed, bytes spliced in), a few
// thousand cases from a seeded generator. Each must decode to a well-formed tensor or throw a
// TapeflowError ERR_FORMAT, quickly, without leaking.
import * as fs from 'fs';
import * as path from 'path';
import { tp, rng } from './helpers';

const DIR = path.join(__dirname, 'fixtures', 'image');
const FILES = fs.readdirSync(DIR).filter((f) => /\.(png|jpg)$/.test(f)).sort();

function mutate(src: Buffer, r: () => number): Buffer {
  const b = Buffer.from(src);
  const at = (): number => Math.floor(r() * b.length);
  switch (Math.floor(r() * 7)) {
    case 0: for (let k = 1 + Math.floor(r() * 4); k > 0; k--) b[at()] ^= 1 << Math.floor(r() * 8); return b;
    case 1: { const i = at(); b.fill(Math.floor(r() * 256), i, Math.min(b.length, i + 1 + Math.floor(r() * 16))); return b; }
    case 2: return b.subarray(0, Math.floor(r() * b.length));
    case 3: { const i = 8 + Math.floor(r() * 24); if (i + 4 <= b.length) b.writeUInt32BE(Math.floor(r() * 2 ** 32), i); return b; }
    case 4: { const i = at(); return Buffer.concat([b.subarray(0, i), Buffer.from(Array.from({ length: 1 + Math.floor(r() * 32) }, () => Math.floor(r() * 256))), b.subarray(i)]); }
    case 5: { const i = at(); return Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + Math.floor(r() * 32)))]); }
    default: { // a header field of the frame / IHDR made huge or zero
      const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
      const i = src[0] === 0x89 ? 16 + 4 * Math.floor(r() * 2) : sof >= 0 ? sof + 5 + 2 * Math.floor(r() * 2) : 20;
      if (src[0] === 0x89) b.writeUInt32BE(r() < 0.5 ? 0 : 1 + Math.floor(r() * 2 ** 31), i);
      else if (i + 2 <= b.length) b.writeUInt16BE(Math.floor(r() * 65536), i);
      return b;
    }
  }
}

test('3000 mutated PNG / JPEG files: a tensor or ERR_FORMAT, never a crash, hang or leak', () => {
  const r = rng(12);
  let leaks = 0;
  const seen: Record<string, number> = { ok: 0, ERR_FORMAT: 0 };
  let slowest = 0;
  for (let k = 0; k < 3000; k++) {
    const name = FILES[k % FILES.length];
    const bad = mutate(fs.readFileSync(path.join(DIR, name)), r);
    const t0 = Date.now();
    // per case: garbage of earlier tests may be collected meanwhile (the count only falls), a leak raises it
    const before = tp.memory().numTensors;
    try {
      const t = tp.image.decode(bad, { maxPixels: 1 << 20, channels: [0, 1, 3, 4][k % 4], dtype: k % 2 ? 'float32' : 'uint8' });
      expect(t.rank).toBe(3);
      expect(t.size).toBe(t.shape[0] * t.shape[1] * t.shape[2]);
      t.dispose();
      seen.ok++;
    } catch (e) {
      const err = e as { name?: string; code?: string; message?: string };
      if (err?.name !== 'TapeflowError' || err.code !== 'ERR_FORMAT')
        throw new Error(`case ${k} (${name}): ${err?.name} ${err?.code}: ${err?.message}`);
      expect(err.message).toMatch(/^image\.decode: /);
      seen.ERR_FORMAT++;
    }
    slowest = Math.max(slowest, Date.now() - t0);
    if (tp.memory().numTensors > before) leaks++;
  }
  expect(leaks).toBe(0);
  expect(seen.ok).toBeGreaterThan(100);
  expect(seen.ERR_FORMAT).toBeGreaterThan(1000);
  expect(slowest).toBeLessThan(2000);
}, 120000);
