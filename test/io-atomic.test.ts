// Atomic saves (lib/io/atomic.ts): a failed save — missing directory, a directory at the path,
// no permission, a full disk, a failing fsync, an exception mid-write — is a clear ERR_IO error,
// leaves the previous file byte-for-byte as it was and no temporary file behind.
// The full disk is real when this process may mount a 64 KiB tmpfs (root), and is also
// simulated everywhere by making the nth write fail with ENOSPC (the fsHooks test hook).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tp, expectThrowsCode } from './helpers';
import { fsHooks, writeFileAtomic } from '../lib/io/atomic';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapeflow-atomic-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const saved = { ...fsHooks };
afterEach(() => Object.assign(fsHooks, saved));

const errno = (code: string): Error => Object.assign(new Error(`${code}: simulated`), { code });
const big = (): tp.Tensor => tp.ones([300000]); // 1.2 MB: several write chunks are not needed, one large write is

/** A file with known contents saved the normal way; returns its bytes. */
function previous(file: string): Buffer {
  const t = tp.tensor([1, 2, 3]);
  tp.io.saveSafetensors({ t }, file);
  t.dispose();
  return fs.readFileSync(file);
}

/** Only the named files are in the directory: no temporary file was left behind. */
function expectOnly(d: string, names: string[]): void {
  expect(fs.readdirSync(d).sort()).toEqual(names.sort());
}

test('a missing directory', () => {
  const t = tp.tensor([1]);
  expectThrowsCode(() => tp.io.saveSafetensors({ t }, path.join(dir, 'no', 'such', 'x.safetensors')), 'ERR_IO', /the directory .*no\/such does not exist \(ENOENT\); the previous file, if any, is untouched/);
  t.dispose();
});

test('a path that is a directory', () => {
  const d = path.join(dir, 'isdir');
  fs.mkdirSync(d);
  const t = tp.tensor([1]);
  expectThrowsCode(() => tp.io.saveSafetensors({ t }, d), 'ERR_IO', /isdir: is a directory, not a file \(EISDIR\)/);
  expectThrowsCode(() => tp.save({ t }, d), 'ERR_IO', /^save: /);
  t.dispose();
});

test('no permission', () => {
  const d = path.join(dir, 'ro');
  fs.mkdirSync(d);
  const file = path.join(d, 'm.safetensors');
  const prev = previous(file);
  const t = tp.tensor([9]);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    // real: the directory refuses new files (root ignores mode bits, so it takes the simulated path)
    fs.chmodSync(d, 0o500);
    try {
      expectThrowsCode(() => tp.io.saveSafetensors({ t }, file), 'ERR_IO', /permission denied \(cannot create a file in .*ro\) \(EACCES\)/);
    } finally {
      fs.chmodSync(d, 0o700);
    }
  }
  fsHooks.openSync = () => {
    throw errno('EACCES');
  };
  expectThrowsCode(() => tp.io.saveSafetensors({ t }, file), 'ERR_IO', /m\.safetensors: permission denied \(cannot create a file in .*ro\) \(EACCES\)/);
  expect(fs.readFileSync(file).equals(prev)).toBe(true);
  expectOnly(d, ['m.safetensors']);
  t.dispose();
});

describe('a full disk', () => {
  test('simulated: the nth write fails with ENOSPC', () => {
    const file = path.join(dir, 'full.safetensors');
    const prev = previous(file);
    const t = big();
    for (const failAt of [0, 1]) {
      let calls = 0;
      fsHooks.writeSync = (fd, buf, off, len) => {
        if (calls++ === failAt) throw errno('ENOSPC');
        return fs.writeSync(fd, buf, off, len);
      };
      expectThrowsCode(() => tp.io.saveSafetensors({ t }, file), 'ERR_IO', /full\.safetensors: no space left on the device \(ENOSPC\); the previous file, if any, is untouched/);
      expect(fs.readFileSync(file).equals(prev)).toBe(true);
    }
    // a short write that makes no progress is an error too, not a hang
    fsHooks.writeSync = () => 0;
    expectThrowsCode(() => tp.io.saveSafetensors({ t }, file), 'ERR_IO', /write made no progress/);
    expect(fs.readFileSync(file).equals(prev)).toBe(true);
    expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    t.dispose();
  });

  test('real: a 64 KiB tmpfs (when this process may mount one)', () => {
    const mnt = path.join(dir, 'tiny');
    fs.mkdirSync(mnt);
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.log(`tmpfs not mountable here (${(r.stderr || String(r.error)).trim()}); the simulated ENOSPC test covers it`);
      return;
    }
    try {
      const file = path.join(mnt, 'm.safetensors');
      const prev = previous(file);
      const t = big();
      expectThrowsCode(() => tp.io.saveSafetensors({ t }, file), 'ERR_IO', /no space left on the device \(ENOSPC\)/);
      expect(fs.readFileSync(file).equals(prev)).toBe(true);
      expectOnly(mnt, ['m.safetensors']);
      t.dispose();
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});

test('a failing fsync, and an exception while producing the data, leave the previous file', () => {
  const file = path.join(dir, 'sync.safetensors');
  const prev = previous(file);
  const t = tp.tensor([5, 6]);
  fsHooks.fsyncSync = () => {
    throw errno('EIO');
  };
  expectThrowsCode(() => tp.io.saveSafetensors({ t }, file), 'ERR_IO', /sync\.safetensors: EIO: simulated \(EIO\)/);
  expect(fs.readFileSync(file).equals(prev)).toBe(true);
  Object.assign(fsHooks, saved);
  expect(() =>
    writeFileAtomic('test', file, (w) => {
      w.write(Buffer.from('partial'));
      throw new Error('producer failed');
    }),
  ).toThrow('producer failed');
  expect(fs.readFileSync(file).equals(prev)).toBe(true);
  expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  t.dispose();
});

test('a successful save replaces the file whole and keeps its permission bits', () => {
  const file = path.join(dir, 'mode.safetensors');
  previous(file);
  fs.chmodSync(file, 0o600);
  const t = tp.tensor([7]);
  tp.io.saveSafetensors({ t }, file);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const back = tp.io.loadSafetensors(file);
  expect(Array.from(back.t.dataSync())).toEqual([7]);
  back.t.dispose();
  t.dispose();
});
