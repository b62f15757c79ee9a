// Sampled losses (nn.functional.nceLoss / sampledSoftmaxLoss) against a reference of
// TensorFlow's _compute_sampled_logits written independently in torch (test/fixtures/
// embed.json, gen_embed.py), with fixed sampledValues: losses and the gradients of weights,
// biases and inputs, dense and row-sparse. The candidate samplers: expected counts against
// the closed forms, sample frequencies against the distribution (chi-square, fixed seed),
// bad input, leaks. cosineSimilarity and normalize against torch.
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectClose, expectNoLeak, expectThrowsCode } from './helpers';

interface SampledCase {
  kind: 'nce' | 'softmax';
  numTrue: number;
  removeAccidentalHits: boolean;
  numClasses: number;
  weights: number[][];
  biases: number[];
  inputs: number[][];
  labels: number[][];
  sampled: number[];
  trueExpectedCount: number[][];
  sampledExpectedCount: number[];
  gLoss: number[];
  loss: number[];
  gradWeights: number[][];
  gradBiases: number[];
  gradInputs: number[][];
}
interface SimCase {
  kind: 'cosine' | 'normalize';
  dim: number;
  p?: number;
  a: unknown;
  b?: unknown;
  g: unknown;
  out: unknown;
  gradA: unknown;
  gradB?: unknown;
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'embed.json'), 'utf8')) as { sampled: SampledCase[]; similarity: SimCase[] };
const TOL = { rtol: 1e-10, atol: 1e-10 };
const f64 = (a: unknown) => tp.tensor(a as number[], { dtype: 'float64' });
const flat = (a: unknown): number[] => (Array.isArray(a) ? (a as unknown[]).flatMap(flat) : [a as number]);

describe('sampled losses against the TF reference', () => {
  for (const c of FIX.sampled)
    for (const sparse of [false, true])
      test(`${c.kind} numTrue ${c.numTrue} removeAccidentalHits ${c.removeAccidentalHits}${sparse ? ' sparse' : ''}`, () => {
        tp.tidy(() => {
          const w = f64(c.weights);
          const b = f64(c.biases);
          const x = f64(c.inputs);
          for (const t of [w, b, x]) t.requiresGrad = true;
          const sampledValues = {
            sampledCandidates: tp.tensor(c.sampled, { dtype: 'int32' }),
            trueExpectedCount: f64(c.trueExpectedCount),
            sampledExpectedCount: f64(c.sampledExpectedCount),
          };
          const f = c.kind === 'nce' ? tp.nn.functional.nceLoss : tp.nn.functional.sampledSoftmaxLoss;
          const loss = f(w, b, tp.tensor(c.labels, { dtype: 'int32' }), x, c.sampled.length, c.numClasses, {
            numTrue: c.numTrue, sampledValues, removeAccidentalHits: c.removeAccidentalHits, sparse,
          });
          expect(loss.shape).toEqual([c.labels.length]);
          expectClose(loss.dataSync(), c.loss, TOL, 'loss');
          loss.backward(f64(c.gLoss));
          expect(w.grad?.isSparse).toBe(sparse);
          expect(b.grad?.isSparse).toBe(sparse);
          expectClose((w.grad as tp.Tensor).dataSync(), c.gradWeights.flat(), TOL, 'd weights');
          expectClose((b.grad as tp.Tensor).dataSync(), c.gradBiases, TOL, 'd biases');
          expectClose((x.grad as tp.Tensor).dataSync(), c.gradInputs.flat(), TOL, 'd inputs');
          for (const t of [w, b, x]) t.grad?.dispose();
        });
      });

  test('gradcheck (float64) through both losses; the default sampler; leaks', () => {
    const c = FIX.sampled[2];
    const sv = () => ({
      sampledCandidates: tp.tensor(c.sampled, { dtype: 'int32' }),
      trueExpectedCount: f64(c.trueExpectedCount),
      sampledExpectedCount: f64(c.sampledExpectedCount),
    });
    const labels = tp.tensor(c.labels, { dtype: 'int32' });
    for (const f of [tp.nceLoss, tp.sampledSoftmaxLoss])
      expect(tp.gradcheck((w, b, x) => f(w, b, labels, x, c.sampled.length, c.numClasses, { numTrue: c.numTrue, sampledValues: sv() }), [f64(c.weights), f64(c.biases), f64(c.inputs)])).toBe(true);
    const w = tp.randn([50, 8]);
    const b = tp.zeros([50]);
    const x = tp.randn([6, 8]);
    const l = tp.tensor([1, 2, 3, 4, 5, 49], { dtype: 'int32' });
    const loss = tp.nceLoss(w, b, l, x, 10, 50, { seed: 3 });
    expect(loss.shape).toEqual([6]);
    for (const v of loss.dataSync()) expect(Number.isFinite(v) && v > 0).toBe(true);
    expectClose(tp.nceLoss(w, b, l, x, 10, 50, { seed: 3 }).dataSync(), loss.dataSync(), { rtol: 0, atol: 0 }, 'same seed, same loss');
    expectNoLeak(() => tp.nceLoss(w, b, l, x, 10, 50, { seed: 3 }));
    expectNoLeak(() => tp.sampledSoftmaxLoss(w, b, l, x, 10, 50));
    const wv = tp.variable(w);
    expectNoLeak(() => {
      tp.tidy(() => tp.sum(tp.nceLoss(wv, b, l, x, 10, 50, { sparse: true })).backward());
      wv.grad?.dispose();
      wv.grad = null;
    });
  });

  test('second order: gradient penalties through both losses (createGraph)', () => {
    const c = FIX.sampled[6];
    const labels = tp.tensor(c.labels, { dtype: 'int32' });
    const sv = () => ({
      sampledCandidates: tp.tensor(c.sampled, { dtype: 'int32' }),
      trueExpectedCount: f64(c.trueExpectedCount),
      sampledExpectedCount: f64(c.sampledExpectedCount),
    });
    for (const f of [tp.nceLoss, tp.sampledSoftmaxLoss]) {
      const loss = (w: tp.Tensor, b: tp.Tensor, x: tp.Tensor) =>
        tp.sum(f(w, b, labels, x, c.sampled.length, c.numClasses, { numTrue: c.numTrue, sampledValues: sv(), removeAccidentalHits: true, sparse: true }));
      // ||d loss / d W||^2 as a function of x, and ||d loss / d x||^2 as a function of W
      const penW = (x: tp.Tensor) => tp.enableGrad(() => {
        const w = f64(c.weights);
        w.requiresGrad = true;
        const [g] = tp.grads(loss(w, f64(c.biases), x), [w], undefined, { createGraph: true });
        return tp.sum(tp.square(g));
      });
      const penX = (w: tp.Tensor) => tp.enableGrad(() => {
        const x = f64(c.inputs);
        x.requiresGrad = true;
        const [g] = tp.grads(loss(w, f64(c.biases), x), [x], undefined, { createGraph: true });
        return tp.sum(tp.square(g));
      });
      expect(tp.gradcheck(penW, [f64(c.inputs)])).toBe(true);
      expect(tp.gradcheck(penX, [f64(c.weights)])).toBe(true);
    }
  });

  test('bad input names the argument and the shapes', () => {
    const w = tp.randn([20, 4]);
    const b = tp.zeros([20]);
    const x = tp.randn([3, 4]);
    const l = tp.tensor([1, 2, 3], { dtype: 'int32' });
    expectThrowsCode(() => tp.nceLoss(w, b, l, x, 25, 20), 'ERR_ARGUMENT', /numSampled = 25 distinct candidates from rangeMax = 20/);
    expectThrowsCode(() => tp.nceLoss(w, b, tp.tensor([1, 2, 20], { dtype: 'int32' }), x, 5, 20), 'ERR_OUT_OF_BOUNDS', /\[2, 0\] = 20/);
    expectThrowsCode(() => tp.nceLoss(w, b, l, tp.randn([3, 5]), 5, 20), 'ERR_SHAPE', /inputs \[3,5\]/);
    expectThrowsCode(() => tp.nceLoss(w, tp.zeros([19]), l, x, 5, 20), 'ERR_SHAPE', /biases/);
    expectThrowsCode(() => tp.nceLoss(w, b, tp.tensor([1, 2], { dtype: 'int32' }), x, 5, 20), 'ERR_SHAPE', /labels must have shape \[3, 1\]/);
    expectThrowsCode(() => tp.nceLoss(w, b, l, x, 5, 20, { numTrue: 2 }), 'ERR_SHAPE', /\[3, 2\]/);
    expectThrowsCode(() => tp.nceLoss(w, b, l, x, 5, 21), 'ERR_SHAPE', /fewer than numClasses/);
    const bad = { sampledCandidates: tp.tensor([1, 2], { dtype: 'int32' }), trueExpectedCount: tp.ones([3, 1]), sampledExpectedCount: tp.ones([2]) };
    expectThrowsCode(() => tp.nceLoss(w, b, l, x, 3, 20, { sampledValues: bad }), 'ERR_SHAPE', /sampledCandidates must have shape \[3\]/);
    expectThrowsCode(() => tp.sampledSoftmaxLoss(w, b, l, x.cast('float64'), 3, 20), 'ERR_DTYPE');
  });
});

// ---- samplers ------------------------------------------------------------------------------

const logUniformP = (k: number, R: number) => Math.log((k + 2) / (k + 1)) / Math.log(R + 1);

/** chi-square statistic of observed counts against probabilities p over n draws. */
function chiSquare(counts: number[], p: number[], n: number): number {
  let s = 0;
  for (let k = 0; k < p.length; k++) s += (counts[k] - n * p[k]) ** 2 / (n * p[k]);
  return s;
}

describe('candidate samplers', () => {
  const R = 20;
  const unigrams = Array.from({ length: R }, (_, k) => (k % 5) + 1);
  const uniP = () => {
    const w = unigrams.map((u) => u ** 0.75);
    const t = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / t);
  };
  const cases: [string, (tc: tp.Tensor, n: number, unique: boolean, seed: number) => tp.CandidateSample, (k: number) => number][] = [
    ['logUniform', (tc, n, u, seed) => tp.random.logUniformCandidateSampler(tc, 1, n, u, R, { seed }), (k) => logUniformP(k, R)],
    ['uniform', (tc, n, u, seed) => tp.random.uniformCandidateSampler(tc, 1, n, u, R, { seed }), () => 1 / R],
    ['fixedUnigram', (tc, n, u, seed) => tp.random.fixedUnigramCandidateSampler(tc, 1, n, u, R, { seed, unigrams, distortion: 0.75 }), (k) => uniP()[k]],
  ];
  for (const [name, sample, prob] of cases) {
    test(`${name}: frequencies follow the distribution (chi-square, 19 dof, p = 0.001)`, () => {
      const n = 40000;
      const s = sample(tp.tensor([[0]], { dtype: 'int32' }), n, false, 1234);
      const counts = new Array(R).fill(0);
      for (const v of s.sampledCandidates.dataSync()) counts[v]++;
      const p = Array.from({ length: R }, (_, k) => prob(k));
      expect(chiSquare(counts, p, n)).toBeLessThan(43.82);
    });

    test(`${name}: expected counts follow TF's closed forms`, () => {
      const tc = tp.tensor([[3], [0], [17]], { dtype: 'int32' });
      // non-unique: p * numSampled
      const a = sample(tc, 8, false, 5);
      expectClose(a.sampledExpectedCount.dataSync(), Array.from(a.sampledCandidates.dataSync(), (k) => prob(k) * 8), { rtol: 1e-6, atol: 0 });
      expectClose(a.trueExpectedCount.dataSync(), [3, 0, 17].map((k) => prob(k) * 8), { rtol: 1e-6, atol: 0 });
      // unique: distinct candidates; -expm1(tries * log1p(-p)) with one integer tries >= numSampled
      // (p * numSampled when no draw was repeated, as TF)
      const u = sample(tc, 12, true, 7);
      const cand = Array.from(u.sampledCandidates.dataSync());
      expect(new Set(cand).size).toBe(12);
      const e = Array.from(u.sampledExpectedCount.dataSync());
      const viaTries = (t: number, k: number) => (t === 12 ? prob(k) * 12 : -Math.expm1(t * Math.log1p(-prob(k))));
      let tries = -1;
      for (let t = 12; t < 10000 && tries < 0; t++) if (cand.every((k, i) => Math.abs(viaTries(t, k) - e[i]) <= 1e-6 * e[i])) tries = t;
      expect(tries).toBeGreaterThanOrEqual(12);
      expectClose(u.trueExpectedCount.dataSync(), [3, 0, 17].map((k) => viaTries(tries, k)), { rtol: 1e-6, atol: 0 });
      // the same seed draws the same sample
      expect(Array.from(sample(tc, 12, true, 7).sampledCandidates.dataSync())).toEqual(cand);
    });
  }

  test('bad input', () => {
    const tc = tp.tensor([[1, 2]], { dtype: 'int32' });
    expectThrowsCode(() => tp.random.logUniformCandidateSampler(tc, 2, 30, true, 20), 'ERR_ARGUMENT', /numSampled = 30 distinct candidates from rangeMax = 20/);
    expectThrowsCode(() => tp.random.uniformCandidateSampler(tc, 1, 3, true, 20), 'ERR_SHAPE', /\[batch, numTrue = 1\]/);
    expectThrowsCode(() => tp.random.uniformCandidateSampler(tc, 2, 3, false, 2), 'ERR_OUT_OF_BOUNDS', /trueClasses\[0, 1\] = 2/);
    expectThrowsCode(() => tp.random.fixedUnigramCandidateSampler(tc, 2, 3, true, 4, { unigrams: [1, 1] }), 'ERR_ARGUMENT', /rangeMax = 4/);
    expectThrowsCode(() => tp.random.fixedUnigramCandidateSampler(tc, 2, 3, true, 4, { unigrams: [1, 0, 0, 1] }), 'ERR_ARGUMENT', /only 2 classes/);
    expectThrowsCode(() => tp.random.logUniformCandidateSampler(tc, 2, 0, true, 20), 'ERR_ARGUMENT', /numSampled/);
    expectNoLeak(() => tp.random.logUniformCandidateSampler(tc, 2, 5, true, 20));
  });
});

describe('cosineSimilarity and normalize against torch', () => {
  for (const c of FIX.similarity)
    test(`${c.kind} dim ${c.dim}${c.p !== undefined ? ` p ${c.p}` : ''}`, () => {
      const a = f64(c.a);
      a.requiresGrad = true;
      let y: tp.Tensor;
      let b: tp.Tensor | null = null;
      if (c.kind === 'cosine') {
        b = f64(c.b);
        b.requiresGrad = true;
        y = tp.nn.functional.cosineSimilarity(a, b, { dim: c.dim });
      } else y = tp.nn.functional.normalize(a, { p: c.p, dim: c.dim });
      expectClose(y.dataSync(), flat(c.out), TOL, 'forward');
      y.backward(f64(c.g));
      expectClose((a.grad as tp.Tensor).dataSync(), flat(c.gradA), TOL, 'd a');
      if (b) expectClose((b.grad as tp.Tensor).dataSync(), flat(c.gradB), TOL, 'd b');
    });

  test('axis alias, eps, errors, leaks', () => {
    const x = tp.tensor([[3, 4], [0, 0]], { dtype: 'float64' });
    expect(tp.normalize(x, { axis: 1 }).toArray()).toEqual([[0.6, 0.8], [0, 0]]);
    expect(tp.cosineSimilarity(x, x, { axis: 1 }).toArray()).toEqual([1, 0]);
    expectThrowsCode(() => tp.normalize(tp.ones([2], { dtype: 'int32' })), 'ERR_DTYPE');
    expectThrowsCode(() => tp.cosineSimilarity(tp.ones([2, 3]), tp.ones([2, 4])), 'ERR_SHAPE');
    expectThrowsCode(() => tp.normalize(x, { p: 0 }), 'ERR_ARGUMENT', /p must be/);
    const o = tp.ones([1, 2], { dtype: 'float64' });
    expectNoLeak(() => tp.cosineSimilarity(x, o));
    expectNoLeak(() => tp.normalize(x, { dim: 0 }));
  });
});
