// Garbage in, TapeflowError out. Every public op is called with wrong types in every argument
// position, NaN / negative / fractional / huge dims and axes, element counts that overflow,
// allocations no machine can satisfy, mismatched shapes and dtypes, disposed tensors, and
// out-of-range axes and indices. Each such call must throw a TapeflowError with an ERR_* code:
// returning a result, or a TypeError/RangeError escaping from inside the library, is a failure.
// Then a seeded fuzzer makes thousands of random calls with random (mostly plausible, sometimes
// wild) arguments: each must return a readable Tensor (or array of them) or throw a TapeflowError,
// must not leak native buffers, and the process must survive.
//   ROBUST_REPORT=path  writes every failure as JSON for triage.
//   FUZZ_LOG=path       appends each fuzz call before making it (to find a call that crashes).
//   FUZZ_SEED=n / FUZZ_CALLS=n override the fuzzer's seed and call count.
import * as fs from 'fs';
import { tp, rng } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const TP = tp as Any;

// ------------------------------------------------------------------------------------------
// Safe description of any value (symbols and bigints break template strings and JSON).
function show(v: unknown, depth = 0): string {
  if (v instanceof tp.Tensor) {
    const t = v as Any;
    const view = t._disposed ? ' disposed' : t.isContiguous && !t.isContiguous() ? ' view' : '';
    return `Tensor(${t.dtype}[${t.shape.join(',')}]${view})`;
  }
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint':
      return `${String(v)}n`;
    case 'symbol':
      return 'Symbol()';
    case 'function':
      return 'function';
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return String(v);
  }
  if (Array.isArray(v)) return depth > 3 ? '[…]' : `[${v.map((x) => show(x, depth + 1)).join(', ')}]`;
  if (ArrayBuffer.isView(v)) return `${(v as object).constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  const ctor = (v as object).constructor;
  if (ctor && ctor !== Object) return ctor.name;
  if (depth > 3) return '{…}';
  return `{${Object.entries(v as object).map(([k, x]) => `${k}: ${show(x, depth + 1)}`).join(', ')}}`;
}

function isTapeflowError(e: unknown): boolean {
  const err = e as Any;
  return !!err && err.name === 'TapeflowError' && err instanceof tp.TapeflowError && typeof err.code === 'string' && /^ERR_[A-Z_]+$/.test(err.code);
}

function errText(e: unknown): string {
  const err = e as Any;
  if (err && typeof err === 'object') return `${err.name}${err.code ? ` [${err.code}]` : ''}: ${String(err.message).split('\n')[0].slice(0, 200)}`;
  return `non-Error thrown: ${show(e)}`;
}

function releaseResult(r: unknown): void {
  try {
    tp.dispose(r);
  } catch {
    /* not tensors */
  }
}

interface Failure {
  group: string;
  op: string;
  call: string;
  problem: string;
}
const failures: Failure[] = [];
afterAll(() => {
  if (process.env.ROBUST_REPORT) fs.writeFileSync(process.env.ROBUST_REPORT, JSON.stringify(failures, null, 1));
});

/** Calls fn; returns null when it threw a TapeflowError, else what went wrong. */
function mustThrow(fn: () => unknown): string | null {
  let r: unknown;
  try {
    r = tp.tidy(() => {
      const out = fn();
      return out;
    });
  } catch (e) {
    return isTapeflowError(e) ? null : `threw ${errText(e)}`;
  }
  const desc = Array.isArray(r) ? `array(${r.length}) ${show(r.slice(0, 3))}` : show(r);
  releaseResult(r);
  return `returned ${desc} instead of throwing`;
}

// ------------------------------------------------------------------------------------------
// Valid inputs and garbage, by argument kind.
const f32 = (shape: number[]): tp.Tensor => tp.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7) % 5) - 1.5), { shape, dtype: 'float32' });
const i32 = (vals: number[] | number, shape?: number[]): tp.Tensor => tp.tensor(vals, { dtype: 'int32', shape });
const disposed = (): tp.Tensor => {
  const t = tp.ones([2, 3]);
  t.dispose();
  return t;
};

type G = [string, () => unknown];
const TYPE_GARBAGE: G[] = [
  ['a string', () => 'abc'],
  ['an empty object', () => ({})],
  ['a fake tensor object', () => ({ shape: [2, 3], dtype: 'float32', size: 6, _h: 1, _strides: [3, 1], _offset: 0 })],
  ['a function', () => () => 1],
  ['an array of strings', () => ['a', 'b']],
  ['a symbol', () => Symbol('s')],
  ['a bigint', () => 10n],
  ['a Map', () => new Map()],
];
const NULLISH: G[] = [
  ['null', () => null],
  ['undefined', () => undefined],
];
const DISPOSED: G = ['a disposed tensor', disposed];
const BAD_INTS: G[] = [
  ['NaN', () => NaN],
  ['1.5', () => 1.5],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['2**40', () => 2 ** 40],
  ['-(2**40)', () => -(2 ** 40)],
  ['1e300', () => 1e300],
  ['a numeric string', () => '0'],
  ['true', () => true],
];
const SYM_BIG: G[] = [
  ['a symbol', () => Symbol('s')],
  ['a bigint', () => 1n],
  ['a function', () => () => 0],
  ['an object', () => ({})],
];

type Kind =
  | 'T' // a tensor
  | 'O' // tensor or weak scalar
  | 'TL' // array of tensors
  | 'AX' // required axis
  | 'AXo' // optional axis (undefined means default)
  | 'AXES' // required axis or axes
  | 'AXESo'
  | 'IDX' // an index along an axis
  | 'CNT' // a positive count
  | 'SPLIT' // split size or sizes
  | 'SHAPE' // shape of a new tensor
  | 'RESHAPE'
  | 'BSHAPE' // broadcastTo target
  | 'NUM' // required number
  | 'NUMo'
  | 'BOUND' // clip bound: number | tensor | null
  | 'BOOLo'
  | 'OPTS'
  | 'DTYPE'
  | 'PERM'
  | 'PADS'
  | 'REPS'
  | 'BEGIN' // tf.slice begin/size
  | 'SIZEo'
  | 'SS' // stridedSlice begin/end
  | 'SSTRIDES'
  | 'INDICES'
  | 'DEPTH'
  | 'SEED'
  | 'PROB'
  | 'RNUM' // arange/linspace endpoint
  | 'RNUMo'
  | 'LINNUM'
  | 'DIMN'; // eye n

function garbage(kind: Kind): G[] {
  switch (kind) {
    case 'T':
      return [...TYPE_GARBAGE, ...NULLISH, DISPOSED];
    case 'O':
      return [...TYPE_GARBAGE, ...NULLISH, DISPOSED];
    case 'TL':
      return [
        ['a string', () => 'abc'],
        ['null', () => null],
        ['undefined', () => undefined],
        ['an object', () => ({})],
        ['an empty list', () => []],
        ['a list of strings', () => ['a']],
        ['a list holding null', () => [f32([2, 3]), null]],
        ['a list holding a disposed tensor', () => [f32([2, 3]), disposed()]],
        ['a list holding an object', () => [f32([2, 3]), {}]],
        ['a list holding a number', () => [f32([2, 3]), 5]],
        ['tensors of mismatched shapes', () => [f32([2, 3]), f32([2, 4])]],
        ['a tensor instead of a list', () => f32([2, 3])],
      ];
    case 'AX':
    case 'AXo':
      return [
        ...BAD_INTS,
        ['100', () => 100],
        ['-100', () => -100],
        ['an array of strings', () => ['a']],
        ['a string', () => 'a'],
        ...SYM_BIG,
        ...(kind === 'AX' ? NULLISH : []),
      ];
    case 'AXES':
    case 'AXESo':
      return [
        ...BAD_INTS,
        ['100', () => 100],
        ['-100', () => -100],
        ['a string', () => 'a'],
        ['[\'a\']', () => ['a']],
        ['[NaN]', () => [NaN]],
        ['[1.5]', () => [1.5]],
        ['[100]', () => [100]],
        ['[2**40]', () => [2 ** 40]],
        ['a repeated axis [0, 0]', () => [0, 0]],
        ...SYM_BIG,
        ...(kind === 'AXES' ? NULLISH : []),
      ];
    case 'IDX':
      return [...BAD_INTS, ['100', () => 100], ['-100', () => -100], ['[0]', () => [0]], ['a string', () => 'a'], ...SYM_BIG, ...NULLISH];
    case 'CNT':
      return [
        ['0', () => 0],
        ['-1', () => -1],
        ['NaN', () => NaN],
        ['1.5', () => 1.5],
        ['Infinity', () => Infinity],
        ['a string', () => 'a'],
        ['true', () => true],
        ...SYM_BIG,
        ...NULLISH,
      ];
    case 'SPLIT':
      return [
        ['0', () => 0],
        ['-1', () => -1],
        ['NaN', () => NaN],
        ['1.5', () => 1.5],
        ['Infinity', () => Infinity],
        ['a string', () => 'a'],
        ['sizes not summing to the dim', () => [1, 1]],
        ['negative sizes', () => [-1, 5]],
        ['fractional sizes', () => [1.5, 2.5]],
        ['sizes with a string', () => [1, 'a']],
        ['sizes with NaN', () => [NaN, 4]],
        ...SYM_BIG,
        ...NULLISH,
      ];
    case 'SHAPE':
    case 'RESHAPE':
    case 'BSHAPE': {
      const g: G[] = [
        ['a string', () => 'abc'],
        ['null', () => null],
        ['undefined', () => undefined],
        ['an object', () => ({})],
        ['[-2]', () => [-2]],
        ['[1.5]', () => [1.5]],
        ['[NaN]', () => [NaN]],
        ['[\'2\']', () => ['2']],
        ['[Infinity]', () => [Infinity]],
        ['[1e300]', () => [1e300]],
        ['an overflowing count [2**40, 2**40, 2**40]', () => [2 ** 40, 2 ** 40, 2 ** 40]],
        ['a dim beyond 2**53 next to a 0 [0, 1e300]', () => [0, 1e300]],
        ['a dim beyond 2**53 next to a 0 [0, 2**64]', () => [0, 2 ** 64]],
        ['17 dims', () => new Array(17).fill(1)],
        ['a nested array [[2]]', () => [[2]]],
        ['[2n]', () => [2n]],
        ['[Symbol]', () => [Symbol('s')]],
        ...SYM_BIG,
      ];
      if (kind === 'SHAPE') {
        g.push(['an unsatisfiable allocation [2**24, 2**24]', () => [2 ** 24, 2 ** 24]]);
        g.push(['an unsatisfiable allocation [1e6, 1e6]', () => [1e6, 1e6]]);
        g.push(['an unsatisfiable allocation [2**40]', () => [2 ** 40]]);
      }
      if (kind === 'RESHAPE') {
        g.push(['two -1 dims', () => [-1, -1]]);
        g.push(['the wrong element count', () => [7]]);
        g.push(['-1 that cannot divide', () => [4, -1]]);
      }
      if (kind === 'BSHAPE') {
        g.push(['an incompatible shape', () => [5]]);
        g.push(['a shape with a mismatched dim', () => [3, 3]]);
        g.push(['fewer dims than x', () => [3]]);
      }
      return g;
    }
    case 'NUM':
      return [['a string', () => 'a'], ['an object', () => ({})], ['an array', () => [1]], ['an empty array', () => []], ...SYM_BIG, ...NULLISH];
    case 'NUMo':
      return [['a string', () => 'a'], ['an object', () => ({})], ['an array', () => [1]], ['an empty array', () => []], ...SYM_BIG];
    case 'BOUND':
      return [['a string', () => 'a'], ['an object', () => ({})], ['an array of strings', () => ['a']], ['a disposed tensor', disposed], ...SYM_BIG];
    case 'BOOLo':
      return [['a string', () => 'yes'], ['an object', () => ({})], ['an array', () => [true]], ...SYM_BIG];
    case 'OPTS':
      return [
        ['a string', () => 'float64'],
        ['a number', () => 5],
        ['an array', () => []],
        ['a function', () => () => 1],
        ['a symbol', () => Symbol('s')],
        ['an unknown dtype', () => ({ dtype: 'int8' })],
        ['a numeric dtype', () => ({ dtype: 5 })],
        ['a null dtype', () => ({ dtype: null })],
      ];
    case 'DTYPE':
      return [['int8', () => 'int8'], ['Float32', () => 'Float32'], ['a number', () => 0], ...NULLISH, ...SYM_BIG];
    case 'PERM':
      return [
        ['a repeated dim', () => [0, 0]],
        ['too short', () => [0]],
        ['too long', () => [0, 1, 2]],
        ['out of range', () => [0, 5]],
        ['with a string', () => ['a', 1]],
        ['fractional', () => [0, 1.5]],
        ['with NaN', () => [NaN, 0]],
        ['with 2**40', () => [2 ** 40, 0]],
        ['a string', () => 'a'],
        ...NULLISH,
        ...SYM_BIG,
      ];
    case 'PADS':
      return [
        ['a string', () => 'a'],
        ['an object', () => ({})],
        ['a pair with one entry', () => [[1], [0, 0]]],
        ['a triple', () => [[1, 2, 3], [0, 0]]],
        ['too few pairs', () => [[0, 0]]],
        ['too many pairs', () => [[0, 0], [0, 0], [0, 0]]],
        ['a string amount', () => [['a', 0], [0, 0]]],
        ['a NaN amount', () => [[NaN, 0], [0, 0]]],
        ['a fractional amount', () => [[1.5, 0], [0, 0]]],
        ['a negative amount', () => [[-1, 0], [0, 0]]],
        ['an overflowing count', () => [[2 ** 40, 2 ** 40], [2 ** 40, 0]]],
        ['1e300', () => [[1e300, 0], [0, 0]]],
        ['an unsatisfiable allocation', () => [[1e6, 1e6], [1e6, 1e6]]],
        ...NULLISH,
        ...SYM_BIG,
      ];
    case 'REPS':
      return [
        ['[-1, 1]', () => [-1, 1]],
        ['[1.5, 1]', () => [1.5, 1]],
        ['[NaN, 1]', () => [NaN, 1]],
        ['[\'a\']', () => ['a']],
        ['a string', () => 'a'],
        ['an overflowing count', () => [2 ** 40, 2 ** 40]],
        ['an unsatisfiable allocation', () => [1e6, 1e6]],
        ['[1e300]', () => [1e300]],
        ['17 reps', () => new Array(17).fill(1)],
        ...NULLISH,
        ...SYM_BIG,
      ];
    case 'BEGIN':
    case 'SIZEo':
      return [
        ['a string', () => 'a'],
        ['[\'a\']', () => ['a', 0]],
        ['[NaN]', () => [NaN, 0]],
        ['[1.5]', () => [1.5, 0]],
        ['an object', () => ({})],
        ['out of range [2**40, 0]', () => [2 ** 40, 0]],
        ['out of range [100, 100]', () => [100, 100]],
        ['more entries than dims', () => [0, 0, 0]],
        ...(kind === 'BEGIN' ? [...NULLISH, ['out of range [-100, 0]', () => [-100, 0]] as G] : [['negative size', () => [-2, 1]] as G]),
        ...SYM_BIG,
      ];
    case 'SS':
      return [
        ['a string', () => 'a'],
        ['[\'a\']', () => ['a', 0]],
        ['[NaN]', () => [NaN, 0]],
        ['[1.5]', () => [1.5, 0]],
        ['an object', () => ({})],
        ['the wrong length', () => [0]],
        ['more entries than dims', () => [0, 0, 0]],
        ...NULLISH,
        ...SYM_BIG,
      ];
    case 'SSTRIDES':
      return [
        ['a zero stride', () => [0, 1]],
        ['[NaN, 1]', () => [NaN, 1]],
        ['[1.5, 1]', () => [1.5, 1]],
        ['a string', () => 'a'],
        ['the wrong length', () => [1]],
        ...SYM_BIG,
      ];
    case 'INDICES':
      return [
        ...TYPE_GARBAGE,
        ...NULLISH,
        DISPOSED,
        ['a float32 tensor', () => tp.tensor([0, 1], { dtype: 'float32' })],
        ['a float64 tensor', () => tp.tensor([0, 1], { dtype: 'float64' })],
        ['a bool tensor', () => tp.tensor([true, false])],
        ['[1.5]', () => [1.5]],
        ['[NaN]', () => [NaN]],
        ['an index past the end [100]', () => [100]],
        ['an index before the start [-100]', () => [-100]],
        ['an int32-overflowing index [2**31]', () => [2 ** 31]],
        ['[2**40]', () => [2 ** 40]],
        ['a ragged array', () => [[1], [1, 2]]],
        ['an int32 tensor index past the end', () => i32([0, 99])],
      ];
    case 'DEPTH':
      return [
        ['-1', () => -1],
        ['NaN', () => NaN],
        ['1.5', () => 1.5],
        ['Infinity', () => Infinity],
        ['an unsatisfiable depth 2**40', () => 2 ** 40],
        ['1e300', () => 1e300],
        ['a string', () => 'a'],
        ...NULLISH,
        ...SYM_BIG,
      ];
    case 'SEED':
      return [['NaN', () => NaN], ['1.5', () => 1.5], ['Infinity', () => Infinity], ['a string', () => 'a'], ['an object', () => ({})], ['null', () => null], ['undefined', () => undefined], ['a symbol', () => Symbol('s')]];
    case 'PROB':
      return [
        ['NaN', () => NaN],
        ['-0.5', () => -0.5],
        ['1.5', () => 1.5],
        ['Infinity', () => Infinity],
        ['a string', () => 'a'],
        ['an int32 tensor', () => i32([0, 1])],
        DISPOSED,
        ...NULLISH,
        ...SYM_BIG,
      ];
    case 'RNUM':
    case 'RNUMo':
      return [
        ['NaN', () => NaN],
        ['Infinity', () => Infinity],
        ['a string', () => 'a'],
        ['an object', () => ({})],
        ['a symbol', () => Symbol('s')],
        ['a bigint', () => 1n],
        ...(kind === 'RNUM' ? NULLISH : []),
      ];
    case 'LINNUM':
      return [
        ['-1', () => -1],
        ['1.5', () => 1.5],
        ['NaN', () => NaN],
        ['Infinity', () => Infinity],
        ['an unsatisfiable count 2**40', () => 2 ** 40],
        ['1e300', () => 1e300],
        ['a string', () => 'a'],
        ...NULLISH,
        ...SYM_BIG,
      ];
    case 'DIMN':
      return [['-1', () => -1], ['1.5', () => 1.5], ['NaN', () => NaN], ['an unsatisfiable size 2**40', () => 2 ** 40], ['1e300', () => 1e300], ['a string', () => 'a'], ...NULLISH, ...SYM_BIG];
  }
}

// ------------------------------------------------------------------------------------------
// Op table: a valid call and the kind of each argument. `extra` lists further calls that must throw.
interface Spec {
  op: string;
  kinds: Kind[];
  valid: () => unknown[];
  extra?: [string, () => unknown[]][];
  /** garbage labels that are legitimately valid for this op's slot i: `${i}:${label}` */
  allow?: string[];
}

const UNARY = ['neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tan', 'tanh', 'erf', 'sigmoid', 'relu', 'gelu', 'floor', 'ceil', 'round', 'isnan', 'isfinite', 'logicalNot'];
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor'];
const REDUCE = ['sum', 'mean', 'prod', 'max', 'min', 'var', 'std', 'logsumexp', 'any', 'all'];

const SPECS: Spec[] = [
  // creation
  { op: 'tensor', kinds: ['T', 'OPTS'], valid: () => [[1, 2, 3], { dtype: 'float32' }], allow: ['0:null', '0:undefined', '0:a disposed tensor', '0:an array of strings', '0:a string', '0:an empty object', '0:a fake tensor object', '0:a function', '0:a symbol', '0:a bigint', '0:a Map'],
    extra: [
      ['ragged data', () => [[[1, 2], [3]]]],
      ['a string element', () => [[1, 'a']]],
      ['a null element', () => [[1, null]]],
      ['an undefined element', () => [[1, undefined]]],
      ['an object element', () => [[1, {}]]],
      ['a symbol element', () => [[Symbol('s')]]],
      ['a bigint element', () => [[1n]]],
      ['a string', () => ['abc']],
      ['a function', () => [() => 1]],
      ['null', () => [null]],
      ['undefined', () => [undefined]],
      ['a symbol', () => [Symbol('s')]],
      ['an object', () => [{}]],
      ['a disposed tensor', () => [disposed()]],
      ['shape option not matching the data', () => [[1, 2], { shape: [3] }]],
      ['a negative shape option', () => [[1, 2], { shape: [-2] }]],
      ['a string shape option', () => [[1, 2], { shape: 'a' }]],
      ['a typed array with a wrong shape', () => [new Float32Array(4), { shape: [5] }]],
      ['a sparse array of 2**27 holes', () => [new Array(2 ** 27)]],
      ['an array with a hole', () => [[1, , 3]]], // eslint-disable-line no-sparse-arrays
      ['nesting deeper than 16 dims', () => [JSON.parse('['.repeat(20) + '1' + ']'.repeat(20))]],
      ['a dim beyond 2**53 in the shape option', () => [[], { shape: [0, 1e300] }]],
    ] },
  { op: 'zeros', kinds: ['SHAPE', 'OPTS'], valid: () => [[2, 3]] },
  { op: 'ones', kinds: ['SHAPE', 'OPTS'], valid: () => [[2, 3]] },
  { op: 'full', kinds: ['SHAPE', 'NUM', 'OPTS'], valid: () => [[2, 3], 1.5] },
  { op: 'zerosLike', kinds: ['T', 'OPTS'], valid: () => [f32([2])] },
  { op: 'onesLike', kinds: ['T', 'OPTS'], valid: () => [f32([2])] },
  { op: 'fullLike', kinds: ['T', 'NUM', 'OPTS'], valid: () => [f32([2]), 3] },
  // an object in place of stop or step is the options overload (arange(5, { dtype }))
  { op: 'arange', kinds: ['RNUM', 'RNUMo', 'RNUMo', 'OPTS'], valid: () => [0, 5, 1], allow: ['1:an object', '2:an object'],
    extra: [
      ['step 0', () => [0, 1, 0]],
      ['an unsatisfiable length arange(2**40)', () => [2 ** 40]],
      ['an unsatisfiable length arange(0, 2**36)', () => [0, 2 ** 36]],
      ['an unsatisfiable length arange(0, 1, 1e-15)', () => [0, 1, 1e-15]],
      ['an overflowing length arange(-1e300, 1e300)', () => [-1e300, 1e300]],
    ] },
  { op: 'linspace', kinds: ['RNUM', 'RNUM', 'LINNUM', 'OPTS'], valid: () => [0, 1, 5] },
  { op: 'eye', kinds: ['DIMN', 'NUMo', 'OPTS'], valid: () => [3, 3], allow: ['1:an object'], extra: [['m negative', () => [2, -1]], ['m NaN', () => [2, NaN]], ['m 1.5', () => [2, 1.5]]] },
  // random
  { op: 'manualSeed', kinds: ['SEED'], valid: () => [42] },
  { op: 'rand', kinds: ['SHAPE', 'OPTS'], valid: () => [[2, 3]], extra: [['an int32 dtype', () => [[2], { dtype: 'int32' }]]] },
  { op: 'randn', kinds: ['SHAPE', 'OPTS'], valid: () => [[2, 3]], extra: [['a bool dtype', () => [[2], { dtype: 'bool' }]]] },
  { op: 'randint', kinds: ['NUM', 'NUM', 'SHAPE', 'OPTS'], valid: () => [0, 5, [2, 3]],
    extra: [
      ['low >= high', () => [5, 5, [2]]],
      ['fractional low', () => [0.5, 5, [2]]],
      ['NaN high', () => [0, NaN, [2]]],
      ['high beyond int32', () => [0, 2 ** 40, [2]]],
    ] },
  { op: 'truncatedNormal', kinds: ['SHAPE', 'NUMo', 'NUMo', 'OPTS'], valid: () => [[2, 3], 0, 1], extra: [['negative stddev', () => [[2], 0, -1]], ['NaN mean', () => [[2], NaN, 1]]] },
  { op: 'bernoulli', kinds: ['PROB'], valid: () => [0.5] },
  // unary
  ...UNARY.map((op): Spec => ({ op, kinds: ['T'], valid: () => [f32([2, 3])] })),
  { op: 'leakyRelu', kinds: ['T', 'NUMo'], valid: () => [f32([2, 3]), 0.1] },
  { op: 'elu', kinds: ['T', 'NUMo'], valid: () => [f32([2, 3]), 1] },
  { op: 'softplus', kinds: ['T'], valid: () => [f32([2, 3])] },
  { op: 'clip', kinds: ['T', 'BOUND', 'BOUND'], valid: () => [f32([2, 3]), -1, 1], extra: [['a bound of a mismatched shape', () => [f32([2, 3]), f32([4]), 1]]] },
  { op: 'cast', kinds: ['T', 'DTYPE'], valid: () => [f32([2]), 'int32'] },
  // binary
  ...BINARY.map((op): Spec => ({
    op,
    kinds: ['O', 'O'],
    valid: () => [f32([2, 3]), f32([3])],
    extra: [
      ...(op === 'mod' || op === 'div'
        ? ([
            ['int32 by an int32 zero', () => [i32([5, -5]), i32([0, 0])]],
            ['int32 by a zero scalar', () => [i32([5, -5]), 0]],
          ] as [string, () => unknown[]][]).filter(() => op === 'mod') // int32 div is true division (inf), mod must refuse
        : []),
      ...(op === 'pow' ? ([['int32 to a negative int32 power', () => [i32([2, 3]), i32([-1, -2])]], ['int32 to a negative scalar power', () => [i32([2]), -1]]] as [string, () => unknown[]][]) : []),
      ['shapes that do not broadcast', () => [f32([2, 3]), f32([4])]],
      ['shapes that do not broadcast (views)', () => [f32([3, 2]).T, f32([2, 2])]],
      ['an overflowing broadcast result', () => [tp.broadcastTo(f32([1]), [2 ** 24, 2 ** 24]), tp.broadcastTo(f32([1, 1, 1]), [2 ** 24, 1, 1])]],
      ['an unsatisfiable broadcast result', () => [tp.broadcastTo(f32([1, 1]), [1e6, 1]), tp.broadcastTo(f32([1, 1]), [1, 1e6])]],
    ],
  })),
  { op: 'where', kinds: ['T', 'O', 'O'], valid: () => [tp.tensor([true, false, true]), f32([2, 3]), 0],
    extra: [['shapes that do not broadcast', () => [tp.tensor([true, false]), f32([3]), 0]]] },
  // reductions
  ...REDUCE.map((op): Spec => ({
    op,
    kinds: ['T', 'AXESo', 'BOOLo'],
    valid: () => [f32([2, 3]), 1, false],
    extra: [
      ['axis out of range', () => [f32([2, 3]), 2]],
      ['axis out of range on 0-d', () => [f32([]), 1]],
      ['axes out of range', () => [f32([2, 3]), [0, -3]]],
    ],
  })),
  ...['argmax', 'argmin'].map((op): Spec => ({
    op,
    kinds: ['T', 'AXo', 'BOOLo'],
    valid: () => [f32([2, 3]), 1, false],
    extra: [['axis out of range', () => [f32([2, 3]), 2]], ['an empty tensor', () => [f32([0, 3])]], ['an empty reduced axis', () => [f32([0, 3]), 0]]],
  })),
  { op: 'cumsum', kinds: ['T', 'AXo'], valid: () => [f32([2, 3]), 1], extra: [['axis out of range', () => [f32([2, 3]), 2]]] },
  { op: 'softmax', kinds: ['T', 'AXo'], valid: () => [f32([2, 3]), 1], extra: [['axis out of range', () => [f32([2, 3]), -3]]] },
  { op: 'logSoftmax', kinds: ['T', 'AXo'], valid: () => [f32([2, 3]), 1], extra: [['axis out of range', () => [f32([2, 3]), 2]]] },
  // matmul / linalg
  { op: 'matmul', kinds: ['T', 'T'], valid: () => [f32([2, 3]), f32([3, 4])],
    extra: [
      ['inner dims differ', () => [f32([2, 3]), f32([4, 5])]],
      ['vector lengths differ', () => [f32([3]), f32([4])]],
      ['batch dims do not broadcast', () => [f32([2, 2, 3]), f32([3, 3, 4])]],
      ['a 0-d operand', () => [f32([]), f32([2])]],
      ['an unsatisfiable result', () => [tp.broadcastTo(f32([1, 1]), [1e6, 1]), tp.broadcastTo(f32([1, 1]), [1, 1e6])]],
      ['an overflowing batch', () => [tp.broadcastTo(f32([1, 1, 1]), [2 ** 40, 1, 1]), tp.broadcastTo(f32([1, 1, 1, 1]), [2 ** 20, 1, 1, 1])]],
    ] },
  { op: 'dot', kinds: ['T', 'T'], valid: () => [f32([3]), f32([3])], extra: [['lengths differ', () => [f32([3]), f32([4])]]] },
  { op: 'outer', kinds: ['T', 'T'], valid: () => [f32([3]), f32([2])],
    extra: [['an unsatisfiable result', () => [tp.broadcastTo(f32([1]), [1e6]), tp.broadcastTo(f32([1]), [1e7])]]] },
  { op: 'inverse', kinds: ['T'], valid: () => [tp.tensor([[2, 1], [1, 3]], { dtype: 'float32' })],
    extra: [['a non-square matrix', () => [f32([2, 3])]], ['a vector', () => [f32([3])]], ['a 0-d tensor', () => [f32([])]]] },
  { op: 'det', kinds: ['T'], valid: () => [tp.tensor([[2, 1], [1, 3]], { dtype: 'float32' })],
    extra: [['a non-square matrix', () => [f32([2, 3])]], ['a vector', () => [f32([3])]]] },
  { op: 'solve', kinds: ['T', 'T'], valid: () => [tp.tensor([[2, 1], [1, 3]], { dtype: 'float32' }), f32([2])],
    extra: [['b of the wrong length', () => [tp.tensor([[2, 1], [1, 3]], { dtype: 'float32' }), f32([3])]], ['a non-square a', () => [f32([2, 3]), f32([2])]]] },
  // views
  { op: 'reshape', kinds: ['T', 'RESHAPE'], valid: () => [f32([2, 3]), [3, 2]],
    extra: [['an unsatisfiable copy of a broadcast view', () => [tp.broadcastTo(f32([2, 1]), [1e6, 2, 1e6]), [-1]]]] },
  { op: 'permute', kinds: ['T', 'PERM'], valid: () => [f32([2, 3]), [1, 0]] },
  { op: 'transpose', kinds: ['T', 'AXo', 'AXo'], valid: () => [f32([2, 3]), 0, 1], allow: ['1:an array of strings'] },
  { op: 'slice', kinds: ['T', 'BEGIN', 'SIZEo'], valid: () => [f32([4, 5]), [1, 1], [2, 2]] },
  { op: 'stridedSlice', kinds: ['T', 'SS', 'SS', 'SSTRIDES'], valid: () => [f32([4, 5]), [0, 0], [4, 5], [1, 2]] },
  { op: 'select', kinds: ['T', 'AX', 'IDX'], valid: () => [f32([3, 4]), 0, 1], extra: [['a 0-d tensor', () => [f32([]), 0, 0]]] },
  { op: 'squeeze', kinds: ['T', 'AXESo'], valid: () => [f32([1, 3, 1]), 0] },
  { op: 'unsqueeze', kinds: ['T', 'AX'], valid: () => [f32([2, 3]), 1], extra: [['17 dims', () => [f32(new Array(16).fill(1)), 0]]] },
  { op: 'expandDims', kinds: ['T', 'AXo'], valid: () => [f32([2, 3]), 1] },
  { op: 'broadcastTo', kinds: ['T', 'BSHAPE'], valid: () => [f32([2, 3]), [4, 2, 3]],
    extra: [
      ['a 0-d tensor to [1e300]', () => [f32([]), [1e300]]],
      ['a 0-d tensor to 1e300', () => [f32([]), 1e300]],
      ['an overflowing count [2**40, 2**40, 2**40]', () => [f32([1]), [2 ** 40, 2 ** 40, 2 ** 40]]],
      ['a dim beyond 2**53 next to a 0', () => [f32([1]), [0, 1e300]]],
    ] },
  { op: 'flatten', kinds: ['T'], valid: () => [f32([2, 3])] },
  // copies
  // a single Tensor in place of the list is accepted as a list of one (join.ts)
  { op: 'concat', kinds: ['TL', 'AXo'], valid: () => [[f32([2, 3]), f32([1, 3])], 0], allow: ['0:a tensor instead of a list'],
    extra: [
      ['0-d tensors', () => [[f32([]), f32([])], 0]],
      ['different ranks', () => [[f32([2, 3]), f32([3])], 0]],
      ['an unsatisfiable result from broadcast views', () => [[tp.broadcastTo(f32([1]), [1e6, 1e6]), tp.broadcastTo(f32([1]), [1e6, 1e6])], 0]],
      ['an overflowing result from broadcast views', () => [[tp.broadcastTo(f32([1]), [2 ** 24, 2 ** 24]), tp.broadcastTo(f32([1]), [2 ** 24, 2 ** 24])], 0]],
    ] },
  { op: 'stack', kinds: ['TL', 'AXo'], valid: () => [[f32([2, 3]), f32([2, 3])], 0], allow: ['0:a tensor instead of a list'], extra: [['axis out of range', () => [[f32([2]), f32([2])], 3]]] },
  { op: 'split', kinds: ['T', 'SPLIT', 'AXo'], valid: () => [f32([4, 2]), 2, 0], extra: [['a 0-d tensor', () => [f32([]), 1]]] },
  { op: 'chunk', kinds: ['T', 'CNT', 'AXo'], valid: () => [f32([4, 2]), 2, 0] },
  { op: 'tile', kinds: ['T', 'REPS'], valid: () => [f32([2, 3]), [2, 1]], extra: [['an overflowing tile of a broadcast view', () => [tp.broadcastTo(f32([1]), [2 ** 24, 2 ** 24]), [2 ** 10, 1]]]] },
  { op: 'pad', kinds: ['T', 'PADS', 'NUMo'], valid: () => [f32([2, 3]), [[1, 0], [0, 1]], 0] },
  { op: 'flip', kinds: ['T', 'AXES'], valid: () => [f32([2, 3]), [0]], extra: [['an unsatisfiable copy of a broadcast view', () => [tp.broadcastTo(f32([1]), [1e6, 1e6]), [0]]]] },
  { op: 'gather', kinds: ['T', 'INDICES', 'AXo'], valid: () => [f32([4, 3]), i32([0, 2]), 0] },
  { op: 'takeAlongAxis', kinds: ['T', 'INDICES', 'AXo'], valid: () => [f32([3, 4]), i32([0, 1, 2], [3, 1]), 1],
    extra: [['indices of a different rank', () => [f32([3, 4]), i32([0, 1]), 1]], ['indices that do not broadcast', () => [f32([3, 4]), i32([0, 1], [2, 1]), 1]]] },
  { op: 'scatterAdd', kinds: ['T', 'AX', 'INDICES', 'T'], valid: () => [f32([3, 4]), 0, i32([0, 1, 2, 0], [1, 4]), f32([1, 4])],
    extra: [
      ['index bigger than src', () => [f32([3, 4]), 0, i32([0, 1, 2, 0, 1, 1, 1, 1], [2, 4]), f32([1, 4])]],
      ['index of a different rank', () => [f32([3, 4]), 0, i32([0, 1]), f32([1, 4])]],
      ['index past the end of x on a non-scatter dim', () => [f32([3, 4]), 0, i32(new Array(5).fill(0), [1, 5]), f32([1, 5])]],
      ['src of another dtype', () => [f32([3, 4]), 0, i32([0, 1, 2, 0], [1, 4]), tp.ones([1, 4], { dtype: 'float64' })]],
    ] },
  { op: 'oneHot', kinds: ['INDICES', 'DEPTH', 'OPTS'], valid: () => [i32([0, 2, 1]), 3],
    extra: [['an index >= depth', () => [i32([0, 3]), 3]], ['a negative index', () => [i32([0, -1]), 3]], ['an unsatisfiable result', () => [tp.broadcastTo(i32([0]), [1e6]), 1e6]]] },
  // issue 9: convolutions
  { op: 'conv2d', kinds: ['T', 'T', 'OPTS'], valid: () => [f32([2, 3, 5, 5]), f32([4, 3, 3, 3]), { padding: 1 }], allow: ['2:null', '2:undefined'],
    extra: [
      ['channels that do not match the weight', () => [f32([2, 3, 5, 5]), f32([4, 2, 3, 3])]],
      ['groups that do not divide the channels', () => [f32([2, 3, 5, 5]), f32([4, 1, 3, 3]), { groups: 2 }]],
      ['a kernel larger than the padded input', () => [f32([1, 3, 2, 2]), f32([4, 3, 3, 3])]],
      ['stride 0', () => [f32([2, 3, 5, 5]), f32([4, 3, 3, 3]), { stride: 0 }]],
      ['stride -1', () => [f32([2, 3, 5, 5]), f32([4, 3, 3, 3]), { stride: [-1, 1] }]],
      ['a NaN padding', () => [f32([2, 3, 5, 5]), f32([4, 3, 3, 3]), { padding: NaN }]],
      ['a NaN dilation', () => [f32([2, 3, 5, 5]), f32([4, 3, 3, 3]), { dilation: [NaN, 1] }]],
      ['a huge padding', () => [f32([1, 1, 2, 2]), f32([1, 1, 1, 1]), { padding: 2 ** 40 }]],
      ['a huge stride and dilation', () => [f32([1, 1, 2, 2]), f32([1, 1, 2, 2]), { stride: 2 ** 53, dilation: 2 ** 40 }]],
      ['3-D input', () => [f32([3, 5, 5]), f32([4, 3, 3, 3])]],
      ['int32 input', () => [i32(new Array(50).fill(1), [2, 1, 5, 5]), f32([1, 1, 3, 3])]],
      ["'same' with stride 2", () => [f32([2, 3, 5, 5]), f32([4, 3, 3, 3]), { padding: 'same', stride: 2 }]],
      ['a bias of the wrong size', () => [f32([2, 3, 5, 5]), f32([4, 3, 3, 3]), { bias: f32([3]) }]],
      ['an unsatisfiable broadcast input', () => [tp.broadcastTo(f32([1]), [1e4, 1e4, 1e4, 1]), f32([1, 1e4, 1, 1])]],
    ] },
  { op: 'conv1d', kinds: ['T', 'T', 'OPTS'], valid: () => [f32([2, 3, 7]), f32([4, 3, 3]), { stride: 2 }], allow: ['2:null', '2:undefined'],
    extra: [['4-D input', () => [f32([2, 3, 5, 5]), f32([4, 3, 3])]], ['stride 0', () => [f32([2, 3, 7]), f32([4, 3, 3]), { stride: 0 }]]] },
  { op: 'convTranspose2d', kinds: ['T', 'T', 'OPTS'], valid: () => [f32([1, 4, 3, 3]), f32([4, 2, 3, 3]), { stride: 2 }], allow: ['2:null', '2:undefined'],
    extra: [
      ['outputPadding >= stride and dilation', () => [f32([1, 4, 3, 3]), f32([4, 2, 3, 3]), { stride: 2, outputPadding: 2 }]],
      ['a non-positive output size', () => [f32([1, 4, 1, 1]), f32([4, 2, 1, 1]), { padding: 1 }]],
      ['channels that do not match the weight', () => [f32([1, 3, 3, 3]), f32([4, 2, 3, 3])]],
    ] },
  // issue 9: pooling and resampling
  ...((): Spec[] => {
    const img = () => f32([1, 2, 5, 5]);
    const window: [string, () => unknown[]][] = [
      ['a kernel larger than the padded input', () => [img(), 7]],
      ['padding over half the kernel', () => [img(), 2, { padding: 2 }]],
      ['a zero stride', () => [img(), 2, { stride: 0 }]],
      ['a negative stride', () => [img(), 2, { stride: [1, -2] }]],
      ['a NaN kernel entry', () => [img(), [NaN, 2]]],
      ['a 2**40 kernel', () => [img(), 2 ** 40]],
      ['a 2-D input', () => [f32([5, 5]), 2]],
      ['a 5-D input', () => [f32([1, 1, 1, 4, 4]), 2]],
      ['an int32 input', () => [tp.zeros([1, 1, 4, 4], { dtype: 'int32' }), 2]],
      ['an empty channel dim', () => [f32([1, 0, 4, 4]), 2]],
      ['an unknown option', () => [img(), 2, { strides: 2 }]],
      ['a broadcast view over 2**48 elements', () => [tp.broadcastTo(f32([1]), [2 ** 16, 2 ** 16, 2 ** 8, 2 ** 8]), 2]],
    ];
    const maxW: [string, () => unknown[]][] = [...window, ['a huge dilation', () => [img(), 2, { dilation: 2 ** 31 - 1 }]], ['a zero dilation', () => [img(), 2, { dilation: 0 }]]];
    const tf: [string, () => unknown[]][] = [
      ['a VALID kernel larger than the input', () => [f32([1, 3, 3, 1]), 4, 1, 'VALID']],
      ['a bad padding string', () => [f32([1, 3, 3, 1]), 2, 1, 'FULL']],
      ['a 4-vector ksize pooling over channels', () => [f32([1, 3, 3, 2]), [1, 2, 2, 2], 1, 'SAME']],
      ['NaN strides', () => [f32([1, 3, 3, 1]), 2, NaN, 'SAME']],
      ['a 3-D input', () => [f32([3, 3, 1]), 2, 1, 'SAME']],
      ['a bad dataFormat', () => [f32([1, 3, 3, 1]), 2, 1, 'SAME', { dataFormat: 'HWCN' }]],
    ];
    const interp: [string, () => unknown[]][] = [
      ['neither size nor scaleFactor', () => [img(), {}]],
      ['both size and scaleFactor', () => [img(), { size: 2, scaleFactor: 2 }]],
      ['NaN size', () => [img(), { size: [NaN, 2] }]],
      ['a NaN scaleFactor', () => [img(), { scaleFactor: NaN }]],
      ['an Infinity scaleFactor', () => [img(), { scaleFactor: Infinity }]],
      ['a scaleFactor giving an empty output', () => [img(), { scaleFactor: 0.01 }]],
      ['an unsatisfiable size', () => [img(), { size: [2 ** 31 - 1, 2 ** 31 - 1] }]],
      ['a 3-D input', () => [f32([2, 5, 5]), { size: 2 }]],
      ['alignCorners with nearest', () => [img(), { size: 2, alignCorners: true }]],
      ['an unknown mode', () => [img(), { size: 2, mode: 'area' }]],
    ];
    return [
      { op: 'maxPool2d', kinds: ['T', 'CNT', 'OPTS'], valid: () => [img(), 2, { stride: 2 }], extra: maxW },
      { op: 'avgPool2d', kinds: ['T', 'CNT', 'OPTS'], valid: () => [img(), 2, { countIncludePad: false }], extra: [...window, ['a zero divisorOverride', () => [img(), 2, { divisorOverride: 0 }]]] },
      { op: 'maxPool1d', kinds: ['T', 'CNT', 'OPTS'], valid: () => [f32([2, 3, 6]), 2, { stride: 1 }], extra: [['a 4-D input', () => [img(), 2]], ['a kernel larger than the input', () => [f32([2, 3, 6]), 7]]] },
      { op: 'avgPool1d', kinds: ['T', 'CNT', 'OPTS'], valid: () => [f32([2, 3, 6]), 2, { stride: 1 }], extra: [['a divisorOverride', () => [f32([2, 3, 6]), 2, { divisorOverride: 2 }]]] },
      { op: 'adaptiveAvgPool2d', kinds: ['T', 'CNT'], valid: () => [img(), 2], extra: [['a NaN size', () => [img(), [NaN, 2]]], ['a zero size', () => [img(), [0, 2]]], ['three sizes', () => [img(), [1, 2, 3]]], ['a 2-D input', () => [f32([5, 5]), 2]]] },
      { op: 'adaptiveMaxPool2d', kinds: ['T', 'CNT', 'OPTS'], valid: () => [img(), 2, { returnIndices: true }], extra: [['a 2**40 size', () => [img(), 2 ** 40]]] },
      { op: 'globalAvgPool2d', kinds: ['T', 'OPTS'], valid: () => [img(), { keepDims: true }], extra: [['a 2-D input', () => [f32([5, 5])]]] },
      { op: 'maxPool', kinds: ['T', 'CNT', 'CNT', 'DTYPE', 'OPTS'], valid: () => [f32([1, 4, 4, 2]), 2, 2, 'SAME', { dataFormat: 'NHWC' }], extra: tf },
      { op: 'avgPool', kinds: ['T', 'CNT', 'CNT', 'DTYPE', 'OPTS'], valid: () => [f32([1, 4, 4, 2]), 2, 2, 'VALID', { dataFormat: 'NCHW' }], extra: tf },
      { op: 'interpolate', kinds: ['T', 'OPTS'], valid: () => [img(), { scaleFactor: 1.5, mode: 'bilinear' }], extra: interp },
      { op: 'pixelShuffle', kinds: ['T', 'CNT'], valid: () => [f32([1, 4, 2, 2]), 2], extra: [['channels not divisible', () => [f32([1, 3, 2, 2]), 2]], ['a 2-D input', () => [f32([4, 4]), 2]]] },
      { op: 'pixelUnshuffle', kinds: ['T', 'CNT'], valid: () => [f32([1, 1, 4, 4]), 2], extra: [['sizes not divisible', () => [f32([1, 1, 3, 4]), 2]]] },
    ];
  })(),
];

// normalisation (issue 9)
SPECS.push(
  { op: 'batchNorm', kinds: ['T', 'T', 'T', 'OPTS'], valid: () => [f32([4, 3, 2]), f32([3]), tp.ones([3]), { training: true }],
    extra: [
      ['running stats of the wrong channel count', () => [f32([4, 3, 2]), f32([2]), tp.ones([2]), { training: true }]],
      ['a weight of the wrong channel count', () => [f32([4, 3, 2]), null, null, { training: true, weight: f32([4]) }]],
      ['a 1-D input', () => [f32([3]), null, null, { training: true }]],
      ['one value per channel', () => [f32([1, 3]), null, null, { training: true }]],
      ['NaN eps', () => [f32([4, 3]), null, null, { training: true, eps: NaN }]],
      ['NaN momentum', () => [f32([4, 3]), f32([3]), f32([3]), { training: true, momentum: NaN }]],
      ['eval without running stats', () => [f32([4, 3]), null, null, { training: false }]],
      ['an int32 input', () => [i32([1, 2, 3, 4], [2, 2]), null, null, { training: true }]],
      ['an unsatisfiable broadcast input', () => [tp.broadcastTo(f32([1]), [1e6, 2, 1e6]), null, null, { training: true }]],
    ] },
  { op: 'layerNorm', kinds: ['T', 'REPS', 'OPTS'], valid: () => [f32([2, 3, 4]), [3, 4], { eps: 1e-5 }],
    extra: [
      ['normalizedShape not a suffix', () => [f32([2, 3, 4]), [3]]],
      ['a weight of the wrong shape', () => [f32([2, 3, 4]), [4], { weight: f32([3]) }]],
      ['negative eps', () => [f32([2, 3, 4]), [4], { eps: -1 }]],
    ] },
  { op: 'groupNorm', kinds: ['T', 'CNT', 'OPTS'], valid: () => [f32([2, 4, 3]), 2, { eps: 1e-5 }],
    extra: [
      ['groups that do not divide the channels', () => [f32([2, 4, 3]), 3]],
      ['a bias of the wrong shape', () => [f32([2, 4, 3]), 2, { bias: f32([2]) }]],
      ['a 1-D input', () => [f32([4]), 2]],
    ] },
  { op: 'dropout2d', kinds: ['T', 'OPTS'], valid: () => [f32([2, 3, 2]), { p: 0.5 }],
    extra: [['p > 1', () => [f32([2, 3, 2]), { p: 2 }]], ['a 1-D input', () => [f32([3]), { p: 0.5 }]]] },
);

// issue 10: embeddings, sampled losses, similarities; the candidate samplers (which return an
// object of three tensors) get the garbage and a small fuzz loop of their own below the fuzzer
SPECS.push(
  { op: 'embedding', kinds: ['INDICES', 'T', 'OPTS'], valid: () => [i32([0, 2, 1]), f32([3, 4]), { paddingIdx: 1 }],
    extra: [
      ['an id past the table', () => [i32([[0, 1], [3, 0]]), f32([3, 4])]],
      ['a negative id', () => [i32([-1]), f32([3, 4])]],
      ['an int32 table', () => [i32([0]), i32([1, 2, 3])]],
      ['a 0-d table', () => [i32([0]), tp.tensor(1)]],
      ['paddingIdx past the table', () => [i32([0]), f32([3, 4]), { paddingIdx: 3 }]],
      ['a negative maxNorm', () => [i32([0]), f32([3, 4]), { maxNorm: -1 }]],
      ['normType 0', () => [i32([0]), f32([3, 4]), { maxNorm: 1, normType: 0 }]],
      ['a string sparse flag', () => [i32([0]), f32([3, 4]), { sparse: 'yes' }]],
      ['an unknown option', () => [i32([0]), f32([3, 4]), { padding_idx: 0 }]],
    ] },
  { op: 'embeddingLookup', kinds: ['T', 'INDICES', 'OPTS'], valid: () => [[f32([3, 2]), f32([2, 2])], i32([4, 0, 1])],
    extra: [
      ["shards that do not fit the 'mod' strategy", () => [[f32([2, 2]), f32([3, 2])], i32([0])]],
      ['shards with different rows', () => [[f32([3, 2]), f32([2, 3])], i32([0])]],
      ['an id past the shards', () => [[f32([3, 2]), f32([2, 2])], i32([5])]],
      ['an empty shard list', () => [[], i32([0])]],
    ] },
  ...(['nceLoss', 'sampledSoftmaxLoss'] as const).map((op): Spec => ({
    op, kinds: ['T', 'T', 'INDICES', 'T', 'CNT', 'CNT', 'OPTS'], valid: () => [f32([10, 4]), f32([10]), i32([1, 2, 3], [3, 1]), f32([3, 4]), 3, 10, { seed: 1 }],
    extra: [
      ['numSampled > numClasses with unique sampling', () => [f32([10, 4]), f32([10]), i32([1, 2, 3], [3, 1]), f32([3, 4]), 11, 10]],
      ['a label past numClasses', () => [f32([10, 4]), f32([10]), i32([1, 2, 10], [3, 1]), f32([3, 4]), 3, 10]],
      ['inputs of the wrong dim', () => [f32([10, 4]), f32([10]), i32([1, 2, 3], [3, 1]), f32([3, 5]), 3, 10]],
      ['biases of the wrong size', () => [f32([10, 4]), f32([9]), i32([1, 2, 3], [3, 1]), f32([3, 4]), 3, 10]],
      ['numClasses past the weights', () => [f32([10, 4]), f32([10]), i32([1, 2, 3], [3, 1]), f32([3, 4]), 3, 11]],
      ['labels of the wrong batch', () => [f32([10, 4]), f32([10]), i32([1, 2], [2, 1]), f32([3, 4]), 3, 10]],
      ['sampledValues of the wrong size', () => [f32([10, 4]), f32([10]), i32([1, 2, 3], [3, 1]), f32([3, 4]), 3, 10,
        { sampledValues: { sampledCandidates: i32([1, 2]), trueExpectedCount: f32([3, 1]), sampledExpectedCount: f32([2]) } }]],
      ['sampledValues that are not an object', () => [f32([10, 4]), f32([10]), i32([1, 2, 3], [3, 1]), f32([3, 4]), 3, 10, { sampledValues: 5 }]],
      ['a sampled id past numClasses', () => [f32([10, 4]), f32([10]), i32([1, 2, 3], [3, 1]), f32([3, 4]), 2, 10,
        { sampledValues: { sampledCandidates: i32([1, 12]), trueExpectedCount: f32([3, 1]), sampledExpectedCount: f32([2]) } }]],
    ],
  })),
  { op: 'cosineSimilarity', kinds: ['T', 'T', 'OPTS'], valid: () => [f32([2, 3]), f32([2, 3]), { dim: 1 }],
    extra: [['shapes that do not broadcast', () => [f32([2, 3]), f32([2, 4])]], ['a dim past the rank', () => [f32([2, 3]), f32([2, 3]), { dim: 2 }]], ['a negative eps', () => [f32([2, 3]), f32([2, 3]), { eps: -1 }]]] },
  { op: 'normalize', kinds: ['T', 'OPTS'], valid: () => [f32([2, 3]), { p: 2, dim: 1 }],
    extra: [['p 0', () => [f32([2, 3]), { p: 0 }]], ['a 0-d input', () => [tp.tensor(1)]], ['an int32 input', () => [i32([1, 2])]]] },
);

const SAMPLER_SPECS: Spec[] = [
  ...(['logUniformCandidateSampler', 'uniformCandidateSampler'] as const).map((op): Spec => ({
    op, kinds: ['INDICES', 'CNT', 'CNT', 'BOOLo', 'CNT', 'OPTS'], valid: () => [i32([1, 2], [2, 1]), 1, 3, true, 10, { seed: 1 }],
    extra: [
      ['numSampled > rangeMax with unique sampling', () => [i32([1, 2], [2, 1]), 1, 11, true, 10]],
      ['a true class past rangeMax', () => [i32([1, 12], [2, 1]), 1, 3, false, 10]],
      ['trueClasses of the wrong numTrue', () => [i32([1, 2], [1, 2]), 1, 3, true, 10]],
      ['rangeMax 2**31', () => [i32([1, 2], [2, 1]), 1, 3, true, 2 ** 31]],
      ['a fractional seed', () => [i32([1, 2], [2, 1]), 1, 3, true, 10, { seed: 1.5 }]],
    ],
  })),
  { op: 'fixedUnigramCandidateSampler', kinds: ['INDICES', 'CNT', 'CNT', 'BOOLo', 'CNT', 'OPTS'], valid: () => [i32([1, 2], [2, 1]), 1, 3, true, 4, { unigrams: [1, 2, 3, 4], seed: 1 }],
    extra: [
      ['no unigrams', () => [i32([1, 2], [2, 1]), 1, 3, true, 4]],
      ['unigrams of the wrong length', () => [i32([1, 2], [2, 1]), 1, 3, true, 4, { unigrams: [1, 2] }]],
      ['a negative unigram', () => [i32([1, 2], [2, 1]), 1, 3, true, 4, { unigrams: [1, -2, 3, 4] }]],
      ['all-zero unigrams', () => [i32([1, 2], [2, 1]), 1, 1, false, 4, { unigrams: [0, 0, 0, 0] }]],
      ['fewer non-zero unigrams than numSampled (unique)', () => [i32([1, 2], [2, 1]), 1, 3, true, 4, { unigrams: [1, 0, 0, 1] }]],
      ['a NaN distortion', () => [i32([1, 2], [2, 1]), 1, 3, true, 4, { unigrams: [1, 2, 3, 4], distortion: NaN }]],
    ] },
];

describe('candidate samplers (issue 10): garbage, invalid calls and a small fuzz', () => {
  for (const spec of SAMPLER_SPECS)
    test(`${spec.op}: garbage in every argument position throws TapeflowError`, () => {
      const fn = TP[spec.op];
      const valid = tp.tidy(() => {
        const s = fn(...spec.valid());
        return s.sampledCandidates.size;
      });
      expect(valid).toBe(3);
      const bad: string[] = [];
      const calls: [string, () => unknown[]][] = [...(spec.extra ?? [])];
      spec.kinds.forEach((kind, i) =>
        garbage(kind).forEach(([label, make]) => calls.push([`arg ${i} = ${label}`, () => Object.assign(spec.valid(), { [i]: make() })])),
      );
      for (const [label, make] of calls) {
        let call = '';
        const problem = mustThrow(() => {
          const args = make();
          call = `${spec.op}(${args.map((a) => show(a)).join(', ')})`;
          return fn(...args);
        });
        if (problem) bad.push(`${label}: ${call} ${problem}`);
      }
      if (bad.length) throw new Error(`${bad.length} call(s) did not throw a TapeflowError:\n  ${bad.slice(0, 25).join('\n  ')}`);
    });

  test('fuzz: random plausible calls return three readable tensors or throw TapeflowError, without leaks', () => {
    const r = rng(1010);
    const pool: tp.Tensor[] = Array.from({ length: 8 }, () => fuzzTensor(r));
    const problems: string[] = [];
    for (let k = 0; k < 600; k++) {
      const spec = SAMPLER_SPECS[k % SAMPLER_SPECS.length];
      const before = tp.memory().numTensors;
      const args = spec.kinds.map((kind) => (r() < 0.12 ? wild(r, pool) : plausible(kind, r, pool)));
      if (spec.op === 'fixedUnigramCandidateSampler' && r() < 0.7) args[5] = { unigrams: Array.from({ length: typeof args[4] === 'number' && args[4] >= 0 && args[4] < 100 ? args[4] : 0 }, () => r() * 3) };
      let result: Any;
      try {
        result = TP[spec.op](...args);
      } catch (e) {
        if (!isTapeflowError(e)) problems.push(`${spec.op}(${args.map((a) => show(a)).join(', ')}) threw ${errText(e)}`);
      }
      if (result) {
        const m = checkResult([result.sampledCandidates, result.trueExpectedCount, result.sampledExpectedCount]);
        if (m) problems.push(`${spec.op}: ${m}`);
        releaseResult(result);
      }
      for (const t of fuzzTemps) t.dispose();
      fuzzTemps.length = 0;
      if (tp.memory().numTensors > before) problems.push(`${spec.op}(${args.map((a) => show(a)).join(', ')}) leaked`);
    }
    for (const t of pool) t.dispose();
    expect(problems.slice(0, 10)).toEqual([]);
  });
});
// issue 10: recurrent layers. They are modules, not tp.* functions: the specs call wrappers put on
// TP here (modules made once; the input, states and options come from the spec's arguments; nested
// results flattened). They run under noGrad: the parameters require grad, and a recorded graph
// (its intermediates included) lives as long as its result, which the leak count would flag.
{
  const lstm = new tp.nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2 });
  const gru = new tp.nn.GRU(3, 4, { batchFirst: true });
  const cell = new tp.nn.GRUCell(3, 4);
  const basic = new tp.nn.BasicLSTMCell(4, { inputSize: 3 });
  const both = (h: unknown, c: unknown) => (h === undefined && c === undefined ? undefined : [h, c]);
  Object.assign(TP, {
    _lstmForward: (x: Any, h: Any, c: Any, o: Any) => tp.noGrad(() => lstm.forward(x, both(h, c) as Any, o).flat()),
    _gruForward: (x: Any, h: Any, o: Any) => tp.noGrad(() => gru.forward(x, h, o)),
    _gruCellForward: (x: Any, h: Any) => tp.noGrad(() => cell.forward(x, h)),
    _dynamicRnn: (x: Any, o: Any) => tp.noGrad(() => tp.nn.dynamicRnn(basic, x, o).flat()),
  });
  const opt = (i: number) => [`${i}:null`, `${i}:undefined`];
  SPECS.push(
    { op: '_lstmForward', kinds: ['T', 'T', 'T', 'OPTS'], valid: () => [f32([5, 2, 3]), f32([4, 2, 2]), f32([4, 2, 4]), { lengths: [5, 2] }],
      allow: [...opt(1), ...opt(2), ...opt(3)],
      extra: [
        ['h0 of the wrong batch', () => [f32([5, 2, 3]), f32([4, 3, 2]), f32([4, 2, 4])]],
        ['c0 of the projected size', () => [f32([5, 2, 3]), f32([4, 2, 2]), f32([4, 2, 2])]],
        ['a float64 input', () => [tp.zeros([5, 2, 3], { dtype: 'float64' })]],
        ['an int32 input', () => [tp.zeros([5, 2, 3], { dtype: 'int32' })]],
        ['input size 2', () => [f32([5, 2, 2])]],
        ['a 4-D input', () => [f32([5, 2, 3, 1])]],
        ['lengths past T', () => [f32([5, 2, 3]), null, null, { lengths: [6, 1] }]],
        ['negative lengths', () => [f32([5, 2, 3]), null, null, { lengths: [-1, 1] }]],
        ['NaN lengths', () => [f32([5, 2, 3]), null, null, { lengths: [NaN, 1] }]],
        ['too many lengths', () => [f32([5, 2, 3]), null, null, { lengths: [1, 1, 1] }]],
        ['lengths of a 2-D tensor', () => [f32([5, 2, 3]), null, null, { lengths: i32([1, 1], [1, 2]) }]],
        ['lengths on an unbatched input', () => [f32([5, 3]), null, null, { lengths: [5] }]],
        ['an unsatisfiable broadcast input', () => [tp.broadcastTo(f32([1]), [1e6, 1e6, 3])]],
      ] },
    { op: '_gruForward', kinds: ['T', 'T', 'OPTS'], valid: () => [f32([2, 5, 3]), f32([1, 2, 4]), { lengths: i32([1, 5]) }],
      allow: [...opt(1), ...opt(2)],
      extra: [['h0 of the wrong size', () => [f32([2, 5, 3]), f32([1, 2, 5])]], ['a disposed h0', () => [f32([2, 5, 3]), disposed()]]] },
    { op: '_gruCellForward', kinds: ['T', 'T'], valid: () => [f32([2, 3]), f32([2, 4])], allow: opt(1),
      extra: [['a state of the wrong batch', () => [f32([2, 3]), f32([3, 4])]], ['a 3-D input', () => [f32([1, 2, 3])]]] },
    { op: '_dynamicRnn', kinds: ['T', 'OPTS'], valid: () => [f32([2, 5, 3]), { sequenceLength: [5, 1] }], allow: opt(1),
      extra: [
        ['a state that is not a pair', () => [f32([2, 5, 3]), { initialState: f32([2, 4]) }]],
        ['a 2-D input', () => [f32([5, 3])]],
        ['an unknown option', () => [f32([2, 5, 3]), { time_major: true }]],
      ] },
  );
}

// Tensor methods that are not ops
const METHOD_EXTRA: [string, () => unknown][] = [
  ['item() of a 2-element tensor', () => f32([2]).item()],
  ['item() of an empty tensor', () => f32([0]).item()],
  ['dataSync() of a disposed tensor', () => disposed().dataSync()],
  ['toArray() of a disposed tensor', () => disposed().toArray()],
  ['contiguous() of a disposed tensor', () => disposed().contiguous()],
  ['a method of a disposed tensor: add', () => (disposed() as Any).add(1)],
  ['a method of a disposed tensor: reshape', () => (disposed() as Any).reshape([6])],
  ['a method of a disposed tensor: matmul', () => (disposed() as Any).matmul(f32([3, 1]))],
  ['a method of a disposed tensor: sum', () => (disposed() as Any).sum()],
  ['a method of a disposed tensor: T', () => (disposed() as Any).T],
  ['contiguous() of an unsatisfiable broadcast view', () => tp.broadcastTo(f32([1]), [1e6, 1e6]).contiguous()],
  ['dataSync() of an unsatisfiable broadcast view', () => tp.broadcastTo(f32([1]), [1e6, 1e6]).dataSync()],
  ['tidy with a non-function', () => tp.tidy('abc' as Any)],
  ['tidy with an async function', () => tp.tidy((async () => 1) as Any)],
];

for (const spec of SPECS) {
  test(`${spec.op}: garbage in every argument position throws TapeflowError`, () => {
    const fn = TP[spec.op];
    if (typeof fn !== 'function') throw new Error(`tp.${spec.op} is not implemented`);
    // the valid call itself must work (otherwise the garbage results mean nothing)
    let validErr: string | null = null;
    try {
      tp.tidy(() => {
        const r = fn(...spec.valid());
        return r === undefined ? undefined : null;
      });
    } catch (e) {
      validErr = errText(e);
    }
    const bad: string[] = [];
    if (validErr) bad.push(`the valid call ${spec.op}(${show(tp.tidy(() => spec.valid().map((a) => show(a))))}) threw ${validErr}`);
    for (let i = 0; i < spec.kinds.length; i++) {
      for (const [label, make] of garbage(spec.kinds[i])) {
        if (spec.allow?.includes(`${i}:${label}`)) continue;
        let call = '';
        const problem = mustThrow(() => {
          const args = spec.valid();
          while (args.length <= i) args.push(undefined);
          args[i] = make();
          call = `${spec.op}(${args.map((a) => show(a)).join(', ')})`;
          return fn(...args);
        });
        if (problem) {
          bad.push(`arg ${i} = ${label}: ${call} ${problem}`);
          failures.push({ group: 'garbage', op: spec.op, call, problem });
        }
      }
    }
    for (const [label, make] of spec.extra ?? []) {
      let call = '';
      const problem = mustThrow(() => {
        const args = make();
        call = `${spec.op}(${args.map((a) => show(a)).join(', ')})`;
        return fn(...args);
      });
      if (problem) {
        bad.push(`${label}: ${call} ${problem}`);
        failures.push({ group: 'invalid', op: spec.op, call: `${label}: ${call}`, problem });
      }
    }
    if (bad.length) throw new Error(`${bad.length} call(s) did not throw a TapeflowError:\n  ${bad.slice(0, 25).join('\n  ')}${bad.length > 25 ? `\n  … ${bad.length - 25} more` : ''}`);
  });
}

test('every op with a disposed tensor in each tensor position throws ERR_DISPOSED', () => {
  const bad: string[] = [];
  for (const spec of SPECS) {
    const fn = TP[spec.op];
    if (typeof fn !== 'function') {
      bad.push(`tp.${spec.op} is not implemented`);
      continue;
    }
    const nT = spec.valid().length;
    for (let i = 0; i < nT; i++) {
      let code: string | undefined;
      let problem: string | null = null;
      let hadTensor = false;
      try {
        tp.tidy(() => {
          const args = spec.valid();
          const a = args[i];
          if (a instanceof tp.Tensor) {
            hadTensor = true;
            a.dispose();
          } else if (Array.isArray(a) && a[0] instanceof tp.Tensor) {
            hadTensor = true;
            (a[a.length - 1] as tp.Tensor).dispose();
          } else return;
          fn(...args);
          problem = 'returned instead of throwing';
        });
      } catch (e) {
        code = (e as Any)?.code;
        if (!isTapeflowError(e)) problem = `threw ${errText(e)}`;
      }
      if (!hadTensor) continue;
      if (!problem && code !== 'ERR_DISPOSED') problem = `threw code ${code}, expected ERR_DISPOSED`;
      if (problem) bad.push(`${spec.op} arg ${i}: ${problem}`);
    }
  }
  if (bad.length) throw new Error(bad.join('\n'));
});

test('a view stays usable after its base is disposed; disposing the view does not free the base', () => {
  const base = tp.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
  const v = base.T;
  base.dispose();
  expect(Array.from(v.dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
  expect(Array.from(tp.add(v, 1).dataSync())).toEqual([2, 5, 3, 6, 4, 7]);
  v.dispose();
  const b2 = tp.ones([3]);
  const v2 = b2.reshape([3, 1]);
  v2.dispose();
  expect(Array.from(b2.dataSync())).toEqual([1, 1, 1]);
  b2.dispose();
});

test('tensor methods and memory helpers refuse misuse with TapeflowError', () => {
  const bad: string[] = [];
  for (const [label, fn] of METHOD_EXTRA) {
    const problem = mustThrow(fn);
    if (problem) {
      bad.push(`${label}: ${problem}`);
      failures.push({ group: 'method', op: label.split(/[ (:]/)[0], call: label, problem });
    }
  }
  if (bad.length) throw new Error(bad.join('\n'));
});

// ------------------------------------------------------------------------------------------
// Seeded fuzzer
const DTYPES = ['float32', 'float64', 'int32', 'bool'] as const;
const NUMS = [0, 1, 2, 3, -1, -2, 0.5, 1.5, -0, NaN, Infinity, -Infinity, 1e-30, 2 ** 40, -(2 ** 40), 2 ** 53, 1e300];

// bases of the views fuzzTensor makes: disposed at the end, so the final count needs no GC
const fuzzBases: tp.Tensor[] = [];

function fuzzTensor(r: () => number): tp.Tensor {
  const rank = Math.floor(r() * 4);
  const shape = Array.from({ length: rank }, () => (r() < 0.1 ? 0 : 1 + Math.floor(r() * 4)));
  const dtype = DTYPES[Math.floor(r() * 4)];
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, () => {
    if (dtype === 'bool') return r() < 0.5 ? 1 : 0;
    if (dtype === 'int32') return Math.floor(r() * 9) - 4;
    const u = r();
    if (u < 0.04) return NaN;
    if (u < 0.06) return r() < 0.5 ? Infinity : -Infinity;
    return Math.round((r() * 6 - 3) * 100) / 100;
  });
  const t = tp.tensor(vals, { dtype, shape });
  const kind = r();
  if (rank >= 1) fuzzBases.push(t);
  if (rank >= 2 && kind < 0.2) {
    // transposed view
    const st = t.strides;
    return t._view(shape.slice().reverse(), st.slice().reverse(), 0);
  }
  if (rank >= 1 && kind < 0.35 && shape[rank - 1] > 1 && n > 0) {
    // flipped last dim (negative stride)
    const st = t.strides;
    st[rank - 1] = -st[rank - 1];
    return t._view(shape.slice(), st, shape[rank - 1] - 1);
  }
  if (rank >= 1 && kind < 0.45 && shape[0] === 1) {
    // broadcast first dim (zero stride)
    const st = t.strides;
    st[0] = 0;
    const sh = shape.slice();
    sh[0] = 3;
    return t._view(sh, st, 0);
  }
  return t;
}

function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

function wild(r: () => number, pool: tp.Tensor[]): unknown {
  const all: (() => unknown)[] = [
    () => 'abc',
    () => '',
    () => ({}),
    () => [],
    () => null,
    () => undefined,
    () => () => 1,
    () => ['a', 'b'],
    () => Symbol('s'),
    () => 10n,
    () => true,
    () => NUMS[Math.floor(r() * NUMS.length)],
    () => [1, 'a'],
    () => [[1, 2], [3]],
    () => new Float32Array(3),
    () => disposed(),
    () => ({ shape: [2], dtype: 'float32' }),
    () => [NaN],
    () => [2 ** 40, 2 ** 40],
    () => [-1],
    () => [1e300],
    () => Array.from({ length: randInt(r, 0, 4) }, () => NUMS[Math.floor(r() * NUMS.length)]),
    () => pool[Math.floor(r() * pool.length)],
    () => [pool[Math.floor(r() * pool.length)], 'x'],
  ];
  return all[Math.floor(r() * all.length)]();
}

/** tensors the fuzzer makes for one call's arguments; disposed after the call */
const fuzzTemps: tp.Tensor[] = [];

function plausible(kind: Kind, r: () => number, pool: tp.Tensor[]): unknown {
  const pick = (): tp.Tensor => pool[Math.floor(r() * pool.length)];
  const smallInt = (): number => randInt(r, -3, 4);
  const intList = (lo: number, hi: number): number[] => Array.from({ length: randInt(r, 0, 3) }, () => randInt(r, lo, hi));
  switch (kind) {
    case 'T':
      return pick();
    case 'O':
      return r() < 0.25 ? NUMS[Math.floor(r() * 12)] : pick();
    case 'TL': {
      const t = pick();
      return r() < 0.5 ? [t, t] : [t, pick(), ...(r() < 0.3 ? [pick()] : [])];
    }
    case 'AX':
    case 'AXo':
      return kind === 'AXo' && r() < 0.2 ? undefined : smallInt();
    case 'AXES':
    case 'AXESo':
      return r() < 0.2 ? undefined : r() < 0.5 ? smallInt() : intList(-3, 3);
    case 'IDX':
      return smallInt();
    case 'CNT':
      return randInt(r, 1, 4);
    case 'SPLIT':
      return r() < 0.6 ? randInt(r, 1, 4) : intList(0, 3);
    case 'SHAPE':
    case 'BSHAPE':
      return intList(0, 4);
    case 'RESHAPE':
      return r() < 0.4 ? [-1] : intList(-1, 4);
    case 'NUM':
    case 'NUMo':
    case 'RNUM':
    case 'RNUMo':
      return NUMS[Math.floor(r() * 12)];
    case 'BOUND':
      return r() < 0.2 ? undefined : r() < 0.8 ? NUMS[Math.floor(r() * 12)] : pick();
    case 'BOOLo':
      return r() < 0.5;
    case 'OPTS':
      return r() < 0.4 ? undefined : { dtype: DTYPES[Math.floor(r() * 4)] };
    case 'DTYPE':
      return DTYPES[Math.floor(r() * 4)];
    case 'PERM': {
      const n = randInt(r, 0, 3);
      const p = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [p[i], p[j]] = [p[j], p[i]];
      }
      return p;
    }
    case 'PADS':
      return Array.from({ length: randInt(r, 0, 3) }, () => [randInt(r, 0, 2), randInt(r, 0, 2)]);
    case 'REPS':
      return intList(0, 3);
    case 'BEGIN':
    case 'SIZEo':
    case 'SS':
      return intList(-3, 4);
    case 'SSTRIDES':
      return intList(-2, 2);
    case 'INDICES':
      if (r() < 0.5) {
        const t = i32(intList(-4, 4));
        fuzzTemps.push(t);
        return t;
      }
      return intList(-4, 4);
    case 'DEPTH':
      return randInt(r, 0, 5);
    case 'SEED':
      return randInt(r, 0, 1000);
    case 'PROB':
      return r() < 0.7 ? [0, 0.25, 1][Math.floor(r() * 3)] : pick();
    case 'LINNUM':
    case 'DIMN':
      return randInt(r, 0, 5);
  }
}

function checkResult(r: unknown): string | null {
  const one = (t: unknown): string | null => {
    if (!(t instanceof tp.Tensor)) return `returned ${show(t)} (expected a Tensor)`;
    const x = t as Any;
    if (!Array.isArray(x.shape) || !x.shape.every((d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0)) return `returned a tensor with shape ${show(x.shape)}`;
    if (!DTYPES.includes(x.dtype)) return `returned a tensor with dtype ${show(x.dtype)}`;
    const n = x.shape.reduce((a: number, b: number) => a * b, 1);
    if (x.size !== n) return `returned a tensor of shape ${show(x.shape)} with size ${x.size}`;
    if (n <= 1e5) {
      let d: ArrayLike<number>;
      try {
        d = x.dataSync();
      } catch (e) {
        return `returned a tensor whose data cannot be read: ${errText(e)}`;
      }
      if (d.length !== n) return `returned a tensor of size ${n} whose dataSync() has ${d.length} values`;
    }
    return null;
  };
  if (Array.isArray(r)) {
    for (const t of r) {
      const m = one(t);
      if (m) return m;
    }
    return null;
  }
  return one(r);
}

// FUZZ_ONLY=op1,op2 narrows the fuzzer to some ops (to bisect a failure)
const FUZZ_OPS = SPECS.filter((s) => s.op !== 'tensor' && (!process.env.FUZZ_ONLY || process.env.FUZZ_ONLY.split(',').includes(s.op)));
// results that are not tensors
const VOID_OPS = new Set(['manualSeed']);

test('seeded fuzzer: random calls return tensors or throw TapeflowError, without leaks or crashes', () => {
  const seed = Number(process.env.FUZZ_SEED ?? 20240611);
  const calls = Number(process.env.FUZZ_CALLS ?? 100000);
  const r = rng(seed);
  const log = process.env.FUZZ_LOG;
  if (log) fs.writeFileSync(log, '');
  const base = tp.memory().numTensors;
  const pool: tp.Tensor[] = Array.from({ length: 48 }, () => fuzzTensor(r));
  const problems = new Map<string, { count: number; example: string }>();
  const note = (op: string, problem: string, call: string): void => {
    const key = `${op}: ${problem.replace(/\d+(\.\d+)?(e[+-]?\d+)?/g, 'N').slice(0, 160)}`;
    const p = problems.get(key);
    if (p) p.count++;
    else {
      problems.set(key, { count: 1, example: call });
      failures.push({ group: 'fuzz', op, call, problem });
    }
  };
  const start = Date.now();
  let made = 0;
  let threw = 0;
  for (let k = 0; k < calls && Date.now() - start < 15000; k++) {
    const spec = FUZZ_OPS[Math.floor(r() * FUZZ_OPS.length)];
    const fn = TP[spec.op];
    if (typeof fn !== 'function') {
      note(spec.op, 'not implemented', spec.op);
      continue;
    }
    const before = tp.memory().numTensors;
    const args: unknown[] = spec.kinds.map((kind) => (r() < 0.12 ? wild(r, pool) : plausible(kind, r, pool)));
    // sometimes drop trailing arguments
    if (r() < 0.15) args.length = Math.max(0, args.length - 1);
    const useMethod = args[0] instanceof tp.Tensor && !(args[0] as Any)._disposed && typeof (args[0] as Any)[spec.op] === 'function' && r() < 0.3;
    const call = `${useMethod ? `${show(args[0])}.${spec.op}(${args.slice(1).map((a) => show(a)).join(', ')})` : `${spec.op}(${args.map((a) => show(a)).join(', ')})`}`;
    if (log) fs.appendFileSync(log, call + '\n');
    let result: unknown;
    let ok = true;
    try {
      result = useMethod ? (args[0] as Any)[spec.op](...args.slice(1)) : fn(...args);
    } catch (e) {
      ok = false;
      threw++;
      if (!isTapeflowError(e)) note(spec.op, `threw ${errText(e)}`, call);
    }
    let kept = false;
    if (ok) {
      made++;
      if (VOID_OPS.has(spec.op)) {
        if (result !== undefined && !(result instanceof tp.Tensor)) note(spec.op, `returned ${show(result)}`, call);
      } else {
        const m = checkResult(result);
        if (m) note(spec.op, m, call);
        // feed small results back in as inputs, so views of views get exercised
        if (!m && result instanceof tp.Tensor && result.size <= 64 && r() < 0.3) {
          const j = Math.floor(r() * pool.length);
          pool[j].dispose();
          pool[j] = result;
          kept = true;
        }
      }
      if (!kept) releaseResult(result);
    }
    for (const t of fuzzTemps) t.dispose();
    fuzzTemps.length = 0;
    if (!kept) {
      const after = tp.memory().numTensors;
      if (after > before) note(spec.op, `leaked ${after - before} native buffer(s) when it ${ok ? 'returned' : 'threw'}`, call);
    }
  }
  for (const t of pool) t.dispose();
  for (const t of fuzzBases) t.dispose();
  fuzzBases.length = 0;
  const end = tp.memory().numTensors;
  const summary = `fuzz: ${made} results, ${threw} TapeflowErrors in ${Date.now() - start} ms`;
  // eslint-disable-next-line no-console
  if (process.env.FUZZ_VERBOSE) console.log(summary);
  const lines = [...problems.entries()].map(([k, v]) => `${k} (x${v.count}); e.g. ${v.example}`);
  if (end > base) lines.push(`${end - base} native buffer(s) still live after the fuzzer disposed everything it kept`);
  if (lines.length) throw new Error(`${summary}\n${lines.length} distinct problem(s):\n  ${lines.slice(0, 40).join('\n  ')}`);
});
