// Candidate samplers for sampled losses (tf.random.log_uniform_candidate_sampler,
// uniform_candidate_sampler, fixed_unigram_candidate_sampler), with TensorFlow's
// expected-count formulas (core/kernels/range_sampler.cc):
//   expected(p) = p * numSampled                   when every draw was kept (tries == numSampled),
//                 -expm1(tries * log1p(-p))        otherwise (unique sampling that hit repeats),
// where `tries` counts every draw made, rejected repeats included, as TF counts them.
// Draws come from a xoshiro128** stream seeded by options.seed, or by two words of tapeflow's
// global generator (so tp.manualSeed makes them reproducible).
import { fail, describe, fmtShape } from '../core/errors';
import { Tensor } from '../tensor';
import { fromTyped } from './creation';
import { randint } from './random';
import { idsTensor, optionsOf } from './embed';

export interface CandidateSample {
  /** int32 [numSampled] */
  sampledCandidates: Tensor;
  /** float32, trueClasses' shape [batch, numTrue] */
  trueExpectedCount: Tensor;
  /** float32 [numSampled] */
  sampledExpectedCount: Tensor;
}

export interface SamplerOptions {
  seed?: number;
}

/** xoshiro128**: 32-bit words; next() is a double in [0, 1) with 53 random bits. */
class Xoshiro {
  private s: Uint32Array;
  constructor(a: number, b: number) {
    // splitmix32 expands the seed into four non-zero words
    let x = (a ^ Math.imul(b, 0x9e3779b9)) >>> 0;
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }
  private u32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }
  next(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function makeRng(op: string, options: SamplerOptions | undefined, known = ['seed']): Xoshiro {
  const o = optionsOf<SamplerOptions>(op, options, known);
  if (o.seed !== undefined) {
    if (!Number.isInteger(o.seed)) fail(op, `options.seed must be an integer, got ${describe(o.seed)}`);
    return new Xoshiro(o.seed >>> 0, Math.floor(o.seed / 4294967296) >>> 0);
  }
  const w = randint(0, 2147483647, [2]);
  const d = w.dataSync();
  w.dispose();
  return new Xoshiro(d[0], d[1]);
}

/** A distribution over [0, rangeMax): a draw and the probability of a value. */
interface Dist {
  sample(r: Xoshiro): number;
  prob(v: number): number;
}

function sampleWith(op: string, dist: Dist, trueClasses: unknown, numTrue: number, numSampled: number, unique: boolean, rangeMax: number, options: SamplerOptions | undefined, known?: string[]): CandidateSample {
  if (!Number.isInteger(numTrue) || numTrue < 1) fail(op, `numTrue must be an integer >= 1, got ${describe(numTrue)}`);
  if (!Number.isInteger(numSampled) || numSampled < 1) fail(op, `numSampled must be an integer >= 1, got ${describe(numSampled)}`);
  if (typeof unique !== 'boolean') fail(op, `unique must be a boolean, got ${describe(unique)}`);
  if (unique && numSampled > rangeMax)
    fail(op, `cannot draw numSampled = ${numSampled} distinct candidates from rangeMax = ${rangeMax} classes (unique sampling)`);
  const tc = idsTensor(trueClasses, op, 'trueClasses');
  let tv: Int32Array;
  try {
    if (tc.rank !== 2 || tc.shape[1] !== numTrue) fail(op, `trueClasses must have shape [batch, numTrue = ${numTrue}], got ${fmtShape(tc.shape)}`, 'ERR_SHAPE');
    tv = tc.dataSync() as Int32Array;
  } finally {
    tc.dispose();
  }
  for (let k = 0; k < tv.length; k++)
    if (tv[k] < 0 || tv[k] >= rangeMax)
      fail(op, `trueClasses[${Math.floor(k / numTrue)}, ${k % numTrue}] = ${tv[k]} is out of range [0, ${rangeMax})`, 'ERR_OUT_OF_BOUNDS');
  const rng = makeRng(op, options, known);
  const picked = new Int32Array(numSampled);
  let tries = 0;
  if (unique) {
    const used = new Set<number>();
    let n = 0;
    while (n < numSampled) {
      tries++;
      const v = dist.sample(rng);
      if (!used.has(v)) {
        used.add(v);
        picked[n++] = v;
      }
    }
  } else {
    for (let i = 0; i < numSampled; i++) picked[i] = dist.sample(rng);
    tries = numSampled;
  }
  const expected = (p: number): number => (tries === numSampled ? p * numSampled : -Math.expm1(tries * Math.log1p(-p)));
  const te = new Float32Array(tv.length);
  for (let k = 0; k < tv.length; k++) te[k] = expected(dist.prob(tv[k]));
  const se = new Float32Array(numSampled);
  for (let i = 0; i < numSampled; i++) se[i] = expected(dist.prob(picked[i]));
  return {
    sampledCandidates: fromTyped(picked, [numSampled], 'int32'),
    trueExpectedCount: fromTyped(te, [tv.length / numTrue, numTrue], 'float32'),
    sampledExpectedCount: fromTyped(se, [numSampled], 'float32'),
  };
}

function checkRange(op: string, rangeMax: unknown): number {
  if (!Number.isInteger(rangeMax) || (rangeMax as number) < 1 || (rangeMax as number) > 2147483647)
    fail(op, `rangeMax must be an integer in [1, 2^31), got ${describe(rangeMax)}`);
  return rangeMax as number;
}

/**
 * tf.random.log_uniform_candidate_sampler (Zipfian): P(k) = log((k + 2) / (k + 1)) / log(rangeMax + 1),
 * for classes sorted by decreasing frequency.
 */
export function logUniformCandidateSampler(trueClasses: Tensor | number[][], numTrue: number, numSampled: number, unique: boolean, rangeMax: number, options?: SamplerOptions): CandidateSample {
  const op = 'logUniformCandidateSampler';
  const R = checkRange(op, rangeMax);
  const logRange = Math.log(R + 1);
  const dist: Dist = {
    // TF: int64(exp(u * log(range + 1))) - 1, folded into the range
    sample: (r) => (Math.floor(Math.exp(r.next() * logRange)) - 1) % R,
    prob: (v) => Math.log((v + 2) / (v + 1)) / logRange,
  };
  return sampleWith(op, dist, trueClasses, numTrue, numSampled, unique, R, options);
}

/** tf.random.uniform_candidate_sampler: P(k) = 1 / rangeMax. */
export function uniformCandidateSampler(trueClasses: Tensor | number[][], numTrue: number, numSampled: number, unique: boolean, rangeMax: number, options?: SamplerOptions): CandidateSample {
  const op = 'uniformCandidateSampler';
  const R = checkRange(op, rangeMax);
  const dist: Dist = { sample: (r) => Math.min(Math.floor(r.next() * R), R - 1), prob: () => 1 / R };
  return sampleWith(op, dist, trueClasses, numTrue, numSampled, unique, R, options);
}

export interface UnigramOptions extends SamplerOptions {
  /** a weight (e.g. a count) per class, rangeMax of them */
  unigrams: number[] | Float32Array | Float64Array;
  /** weights are raised to this power first (word2vec uses 0.75); default 1 */
  distortion?: number;
}

/** tf.random.fixed_unigram_candidate_sampler: P(k) = unigrams[k]^distortion / sum. */
export function fixedUnigramCandidateSampler(trueClasses: Tensor | number[][], numTrue: number, numSampled: number, unique: boolean, rangeMax: number, options: UnigramOptions): CandidateSample {
  const op = 'fixedUnigramCandidateSampler';
  const R = checkRange(op, rangeMax);
  if (options === null || typeof options !== 'object' || options.unigrams === undefined)
    fail(op, 'options.unigrams (one weight per class) is required');
  const u = options.unigrams;
  if (!(Array.isArray(u) || u instanceof Float32Array || u instanceof Float64Array) || u.length !== R)
    fail(op, `options.unigrams must hold rangeMax = ${R} numbers, got ${describe(u)}`);
  const dist0 = options.distortion ?? 1;
  if (typeof dist0 !== 'number' || !Number.isFinite(dist0)) fail(op, `options.distortion must be a finite number, got ${describe(dist0)}`);
  const w = new Float64Array(R);
  let total = 0;
  for (let k = 0; k < R; k++) {
    const x = u[k];
    if (typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x)) fail(op, `options.unigrams[${k}] must be a finite number >= 0, got ${describe(x)}`);
    w[k] = x ** dist0;
    total += w[k];
  }
  if (!(total > 0)) fail(op, 'options.unigrams must have a positive sum');
  const cdf = new Float64Array(R);
  let acc = 0;
  for (let k = 0; k < R; k++) cdf[k] = acc += w[k] / total;
  if (unique === true && Number.isInteger(numSampled)) {
    // (the other arguments are checked by sampleWith)
    let support = 0;
    for (let k = 0; k < R; k++) if (w[k] > 0) support++;
    if (numSampled > support) fail(op, `cannot draw numSampled = ${numSampled} distinct candidates: only ${support} classes have a non-zero weight`);
  }
  const dist: Dist = {
    sample: (r) => {
      // binary search of the cumulative distribution
      const x = r.next() * acc;
      let lo = 0;
      let hi = R - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] > x) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
    prob: (v) => w[v] / total,
  };
  return sampleWith(op, dist, trueClasses, numTrue, numSampled, unique, R, options, ['seed', 'unigrams', 'distortion']);
}
