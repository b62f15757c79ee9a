// tp.image.resize against torch's interpolate (bilinear, both corner rules; nearest) and TF's
// index rules written out in numpy (legacy asymmetric bilinear, half-pixel and aligned
// nearest), all from test/fixtures/gen_image.py; tp.image.normalize against torchvision's
// Normalize formula on CHW.
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectClose, expectNoLeak, expectThrowsCode } from './helpers';

const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'image.json'), 'utf8'));
type Case = { shape: number[]; size: [number, number]; x: number[]; cases: Record<string, number[]> };

const OPTS: Record<string, tp.image.ResizeOptions> = {
  bilinear_half: {},
  bilinear_align: { alignCorners: true },
  bilinear_asym: { halfPixelCenters: false },
  nearest_torch: { method: 'nearest', halfPixelCenters: false },
  nearest_half: { method: 'nearest' },
  nearest_align: { method: 'nearest', alignCorners: true },
};

describe('image.resize vs torch / TF', () => {
  (FIX.resize as Case[]).forEach((c, k) => {
    for (const [name, o] of Object.entries(OPTS)) {
      test(`${name} ${c.shape.join('x')} -> ${c.size.join('x')}`, () => {
        for (const dtype of ['float64', 'float32'] as const) {
          const x = tp.tensor(c.x, { shape: c.shape, dtype });
          const tol = dtype === 'float64' ? { rtol: 1e-9, atol: 1e-9 } : { rtol: 1e-5, atol: 1e-5 };
          const y = tp.image.resize(x, c.size, o);
          expect(y.shape).toEqual([c.shape[0], ...c.size, c.shape[3]]);
          expect(y.dtype).toBe(dtype);
          expectClose(y.dataSync(), c.cases[name], tol, `${name} case ${k}`);
          if (c.shape[0] === 1) {
            // [H, W, C] gives the batch-of-one result
            const x3 = tp.tensor(c.x, { shape: c.shape.slice(1), dtype });
            const y3 = tp.image.resize(x3, c.size, o);
            expect(y3.shape).toEqual([...c.size, c.shape[3]]);
            expectClose(y3.dataSync(), c.cases[name], tol, `${name} 3-D case ${k}`);
            tp.dispose([x3, y3]);
          }
          tp.dispose([x, y]);
        }
      });
    }
  });
});

test('int32 images: bilinear gives float32, nearest keeps int32; a transposed view reads as its values', () => {
  const data = Array.from({ length: 4 * 6 * 3 }, (_, i) => (i * 37) % 256);
  const xi = tp.tensor(data, { shape: [4, 6, 3], dtype: 'int32' });
  const xf = tp.tensor(data, { shape: [4, 6, 3], dtype: 'float32' });
  const b = tp.image.resize(xi, [5, 2]);
  expect(b.dtype).toBe('float32');
  const bf = tp.image.resize(xf, [5, 2]);
  expectClose(b.dataSync(), bf.dataSync());
  const n = tp.image.resize(xi, [7, 9], { method: 'nearest' });
  expect(n.dtype).toBe('int32');
  const nf = tp.image.resize(xf, [7, 9], { method: 'nearest' });
  expect(Array.from(n.dataSync())).toEqual(Array.from(nf.dataSync()));
  const t = tp.tensor(data, { shape: [6, 4, 3], dtype: 'float32' }).permute([1, 0, 2]);
  const tc = t.contiguous();
  expectClose(tp.image.resize(t, [3, 5]).dataSync(), tp.image.resize(tc, [3, 5]).dataSync());
  tp.dispose([xi, xf, b, bf, n, nf, t, tc]);
});

test('resize is differentiable (gradcheck, float64) and leak-free', () => {
  const c = (FIX.resize as Case[])[0];
  for (const o of [{}, { alignCorners: true }, { halfPixelCenters: false }, { method: 'nearest' as const }]) {
    const x = tp.tensor(c.x, { shape: c.shape, dtype: 'float64', requiresGrad: true });
    expect(tp.gradcheck((v: tp.Tensor) => tp.image.resize(v, [4, 3], o), [x])).toBe(true);
    x.dispose();
  }
  const x = tp.tensor(c.x, { shape: c.shape, dtype: 'float32' });
  for (const o of Object.values(OPTS)) expectNoLeak(() => tp.image.resize(x, [6, 5], o));
  x.dispose();
});

test('resize: bad arguments', () => {
  const x = tp.zeros([4, 4, 3]);
  expectThrowsCode(() => tp.image.resize(tp.zeros([4, 4]), [2, 2]), 'ERR_SHAPE', /image\.resize: expected an image \[H, W, C\]/);
  expectThrowsCode(() => tp.image.resize(x, [2, 0]), 'ERR_ARGUMENT', /size must be \[height, width\]/);
  expectThrowsCode(() => tp.image.resize(x, [2] as never), 'ERR_ARGUMENT', /size/);
  expectThrowsCode(() => tp.image.resize(x, [2, 2], { method: 'bicubic' as never }), 'ERR_ARGUMENT', /method/);
  expectThrowsCode(() => tp.image.resize(x, [2, 2], { alignCorners: true, halfPixelCenters: true }), 'ERR_ARGUMENT', /cannot both be true/);
  expectThrowsCode(() => tp.image.resize(x, [2, 2], { align: true } as never), 'ERR_ARGUMENT', /unknown option 'align'/);
  expectThrowsCode(() => tp.image.resize(tp.zeros([0, 4, 3]), [2, 2]), 'ERR_SHAPE', /an image of 0 x 4 pixels/);
  // an empty batch or no channels: an empty result
  const z0 = tp.zeros([0, 4, 4, 3]), z1 = tp.zeros([4, 4, 0], { dtype: 'int32' });
  const e = tp.image.resize(z0, [2, 5]);
  expect(e.shape).toEqual([0, 2, 5, 3]);
  const e2 = tp.image.resize(z1, [2, 5]);
  expect([e2.shape, e2.dtype]).toEqual([[2, 5, 0], 'float32']);
  tp.dispose([e, e2, z0, z1]);
  x.dispose();
});

test('normalize: torchvision Normalize on CHW equals normalize on HWC (axis -1) and on CHW (axis -3)', () => {
  const n = FIX.normalize;
  const x = tp.tensor(n.x, { shape: n.shape, dtype: 'float64' });
  const y = tp.image.normalize(x, n.mean, n.std);
  const chw = y.permute([2, 0, 1]).contiguous();
  expectClose(chw.dataSync(), n.y_chw, { rtol: 1e-12, atol: 1e-12 });
  const xc = x.permute([2, 0, 1]);
  const yc = tp.image.normalize(xc, n.mean, n.std, { axis: -3 });
  expectClose(yc.dataSync(), n.y_chw, { rtol: 1e-12, atol: 1e-12 });
  const xi = tp.tensor([0, 255, 128, 64], { shape: [2, 2, 1], dtype: 'int32' });
  const yi = tp.image.normalize(xi, 127.5, 127.5);
  expect(yi.dtype).toBe('float32');
  expectClose(yi.dataSync(), [-1, 1, 0.5 / 127.5, (64 - 127.5) / 127.5]);
  const g = tp.tensor(n.x, { shape: n.shape, dtype: 'float64', requiresGrad: true });
  expect(tp.gradcheck((v: tp.Tensor) => tp.image.normalize(v, n.mean, n.std), [g])).toBe(true);
  expectNoLeak(() => tp.image.normalize(xi, [1], [2]));
  expectThrowsCode(() => tp.image.normalize(x, [1, 2], [1, 1, 1]), 'ERR_SHAPE', /mean has 2 values for 3 channels/);
  expectThrowsCode(() => tp.image.normalize(x, 0, [1, 0, 1]), 'ERR_ARGUMENT', /std \[1, 0, 1\] has a zero/);
  expectThrowsCode(() => tp.image.normalize(x, 0, 1, { axis: 3 }), 'ERR_AXIS', /axis 3 is out of range/);
  expectThrowsCode(() => tp.image.normalize(x, 'a' as never, 1), 'ERR_ARGUMENT', /mean must be/);
  tp.dispose([x, y, chw, xc, yc, xi, yi, g]);
});
