// TensorFlow ops of TF.js graph models (a GraphDef converted by tensorflowjs_converter), run with
// tapeflow ops on NHWC tensors — the set converted CNNs use: fused convolutions and matmuls,
// pooling, batch norm, elementwise math, reshapes.
import { Tensor } from '../tensor';
import { TapeflowError, describe } from '../core/errors';
import { conv2d } from '../ops/conv';
import { maxPool, avgPool } from '../ops/pool';
import { matmul } from '../ops/matmul';
import { reshape, squeeze, permute } from '../ops/views';
import { concat, pad } from '../ops/join';
import { add, sub, mul, div, maximum, minimum } from '../ops/binary';
import { relu, sigmoid, tanh, elu, exp, neg, sqrt, rsqrt, square, leakyRelu } from '../ops/unary';
import { relu6 } from '../ops/activations';
import { softmax } from '../ops/softmax';
import { mean, sum, max } from '../ops/reduce';

export interface GraphNode {
  name: string;
  op: string;
  inputs: string[];
  attr: Record<string, Record<string, unknown>>;
}

export type GraphOp = (xs: Tensor[], n: GraphNode) => Tensor;
export const GRAPH_OPS = new Map<string, GraphOp>();
const def = (names: string[], f: GraphOp): void => { for (const k of names) GRAPH_OPS.set(k, f); };

function nodeFail(n: GraphNode, msg: string, code = 'ERR_FORMAT'): never {
  throw new TapeflowError(`loadTfjsModel: node '${n.name}' (${n.op}): ${msg}`, code);
}

// ---- attributes (TF AttrValue as JSON: { i: "1" }, { s: base64 }, { list: { i: [...] } }, { b }, { f }) ----
/** attr[key][field], or undefined where the attribute or its field is missing or not an object */
function field(n: GraphNode, key: string, f: string): unknown {
  const a = n.attr !== null && typeof n.attr === 'object' ? n.attr[key] : undefined;
  return a !== null && typeof a === 'object' ? (a as Record<string, unknown>)[f] : undefined;
}
/** attr[key].list[f] as an array (undefined when absent) */
function list(n: GraphNode, key: string, f: string): unknown[] | undefined {
  const l = field(n, key, 'list');
  const v = l !== null && typeof l === 'object' ? (l as Record<string, unknown>)[f] : undefined;
  if (v === undefined) return undefined;
  return Array.isArray(v) ? Array.from(v as unknown[]) : nodeFail(n, `attribute ${key} must hold a list`);
}
function ints(n: GraphNode, key: string, dflt?: number[]): number[] {
  const v = list(n, key, 'i');
  if (v === undefined) {
    if (dflt !== undefined) return dflt;
    return nodeFail(n, `attribute ${key} is missing`);
  }
  const out = v.map((s) => (typeof s === 'string' || typeof s === 'number' ? Number(s) : NaN));
  if (out.some((x) => !Number.isSafeInteger(x) || Math.abs(x) > 2 ** 30)) nodeFail(n, `attribute ${key} ${describe(v)} is not a list of integers`);
  return out;
}
function str(n: GraphNode, key: string, dflt: string): string {
  const s = field(n, key, 's');
  if (s === undefined) return dflt;
  if (typeof s !== 'string') return nodeFail(n, `attribute ${key} must be a string`);
  return Buffer.from(s, 'base64').toString('utf8');
}
function strs(n: GraphNode, key: string): string[] {
  return (list(n, key, 's') ?? []).map((s) => (typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : nodeFail(n, `attribute ${key} must hold strings`)));
}
const flag = (n: GraphNode, key: string): boolean => field(n, key, 'b') === true;
function float(n: GraphNode, key: string, dflt: number): number {
  const v = field(n, key, 'f');
  if (v === undefined) return dflt;
  const x = Number(v);
  return Number.isFinite(x) ? x : nodeFail(n, `attribute ${key} must be a finite number, got ${describe(v)}`);
}

/** An integer input (a shape, axes) read from its tensor. */
function intValues(n: GraphNode, t: Tensor, what: string): number[] {
  if (t.dtype !== 'int32' || t.rank > 1) nodeFail(n, `${what} must be an int32 scalar or vector, got ${t.dtype} [${t.shape}]`);
  return Array.from(t.dataSync());
}

function need(n: GraphNode, xs: Tensor[], k: number): void {
  if (xs.length < k) nodeFail(n, `takes ${k} inputs, got ${xs.length}`);
}

function nhwc(n: GraphNode): void {
  const f = str(n, 'data_format', 'NHWC');
  if (f !== 'NHWC') nodeFail(n, `data_format ${f} is not supported (NHWC is)`, 'ERR_UNSUPPORTED');
}

function padding(n: GraphNode): 'same' | 'valid' | [number, number][] {
  const p = str(n, 'padding', 'VALID');
  if (p === 'SAME') return 'same';
  if (p === 'VALID') return 'valid';
  if (p === 'EXPLICIT') {
    const e = ints(n, 'explicit_paddings');
    if (e.length !== 8 || e.some((v) => v < 0)) nodeFail(n, `explicit_paddings [${e}] must be 8 non-negative values`);
    return [[e[2], e[3]], [e[4], e[5]]];
  }
  return nodeFail(n, `padding '${p}' is not SAME, VALID or EXPLICIT`);
}

/** The activation named in a fused op (after BiasAdd). */
function fusedTail(n: GraphNode, y: Tensor, ops: string[]): Tensor {
  for (const o of ops.slice(1)) {
    if (o === 'Relu') y = relu(y);
    else if (o === 'Relu6') y = relu6(y);
    else if (o === 'Elu') y = elu(y);
    else if (o === 'Sigmoid') y = sigmoid(y);
    else if (o === 'Tanh') y = tanh(y);
    else if (o === 'LeakyRelu') y = leakyRelu(y, float(n, 'leakyrelu_alpha', 0.2));
    else nodeFail(n, `fused op ${o} is not supported`, 'ERR_UNSUPPORTED');
  }
  return y;
}

function conv(xs: Tensor[], n: GraphNode, depthwise: boolean, fused: boolean): Tensor {
  need(n, xs, 2);
  nhwc(n);
  const s = ints(n, 'strides', [1, 1, 1, 1]);
  const d = ints(n, 'dilations', [1, 1, 1, 1]);
  if (s.length !== 4 || d.length !== 4) nodeFail(n, `strides [${s}] and dilations [${d}] must have 4 values`);
  const ops = fused ? strs(n, 'fused_ops') : [];
  if (fused && ops[0] !== 'BiasAdd') nodeFail(n, `fused ops [${ops}] are not supported (BiasAdd first, then an activation)`, 'ERR_UNSUPPORTED');
  let [x, w] = xs;
  let groups = 1;
  if (depthwise) {
    if (w.rank !== 4 || x.rank !== 4 || w.shape[2] !== x.shape[3]) nodeFail(n, `filter [${w.shape}] does not fit input [${x.shape}] (NHWC)`, 'ERR_SHAPE');
    groups = w.shape[2];
    w = reshape(w, [w.shape[0], w.shape[1], 1, w.shape[2] * w.shape[3]]);
  }
  const p = padding(n);
  if (Array.isArray(p)) x = conv2dPad(x, p);
  const y = conv2d(x, w, { dataFormat: 'NHWC', stride: [s[1], s[2]], dilation: [d[1], d[2]], padding: Array.isArray(p) ? 'valid' : p, groups, bias: fused ? xs[2] : null });
  return fusedTail(n, y, ops);
}
/** explicit pads, possibly uneven: zeros around H and W of NHWC */
const conv2dPad = (x: Tensor, p: [number, number][]): Tensor => pad(x, [[0, 0], p[0], p[1], [0, 0]], 0);

def(['Conv2D'], (xs, n) => conv(xs, n, false, false));
def(['_FusedConv2D'], (xs, n) => conv(xs, n, false, true));
def(['DepthwiseConv2dNative', 'DepthwiseConv2D'], (xs, n) => conv(xs, n, true, false));
def(['FusedDepthwiseConv2dNative'], (xs, n) => conv(xs, n, true, true));

function matmulOp(xs: Tensor[], n: GraphNode, fused: boolean): Tensor {
  need(n, xs, 2);
  const a = flag(n, 'transpose_a') ? permute(xs[0], [1, 0]) : xs[0];
  const b = flag(n, 'transpose_b') ? permute(xs[1], [1, 0]) : xs[1];
  let y = matmul(a, b);
  if (!fused) return y;
  const ops = strs(n, 'fused_ops');
  if (ops[0] !== 'BiasAdd') nodeFail(n, `fused ops [${ops}] are not supported`, 'ERR_UNSUPPORTED');
  y = add(y, xs[2]);
  return fusedTail(n, y, ops);
}
def(['MatMul'], (xs, n) => matmulOp(xs, n, false));
def(['_FusedMatMul'], (xs, n) => matmulOp(xs, n, true));

function pool(xs: Tensor[], n: GraphNode, isMax: boolean): Tensor {
  need(n, xs, 1);
  nhwc(n);
  const k = ints(n, 'ksize');
  const s = ints(n, 'strides');
  if (k.length !== 4 || s.length !== 4 || k[0] !== 1 || k[3] !== 1 || s[0] !== 1 || s[3] !== 1)
    nodeFail(n, `ksize [${k}] / strides [${s}] must be [1, h, w, 1]`, 'ERR_UNSUPPORTED');
  const p = padding(n);
  if (Array.isArray(p)) nodeFail(n, 'explicit pooling pads are not supported', 'ERR_UNSUPPORTED');
  return (isMax ? maxPool : avgPool)(xs[0], [k[1], k[2]], [s[1], s[2]], p === 'same' ? 'SAME' : 'VALID');
}
def(['MaxPool'], (xs, n) => pool(xs, n, true));
def(['AvgPool'], (xs, n) => pool(xs, n, false));

def(['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3'], (xs, n) => {
  need(n, xs, 5);
  nhwc(n);
  if (flag(n, 'is_training')) nodeFail(n, 'is_training is not supported', 'ERR_UNSUPPORTED');
  const [x, scale, offset, m, v] = xs;
  return add(mul(sub(x, m), mul(rsqrt(add(v, float(n, 'epsilon', 1e-3))), scale)), offset);
});

const bin = (f: (a: Tensor, b: Tensor) => Tensor): GraphOp => (xs, n) => { need(n, xs, 2); return f(xs[0], xs[1]); };
def(['Add', 'AddV2', 'BiasAdd'], bin(add));
def(['Sub'], bin(sub));
def(['Mul'], bin(mul));
def(['RealDiv', 'Div'], bin(div));
def(['Maximum'], bin(maximum));
def(['Minimum'], bin(minimum));
def(['AddN'], (xs) => xs.reduce((a, b) => add(a, b)));
const un = (f: (x: Tensor) => Tensor): GraphOp => (xs, n) => { need(n, xs, 1); return f(xs[0]); };
def(['Identity', 'StopGradient', 'Snapshot'], un((x) => x));
def(['Relu'], un(relu));
def(['Relu6'], un(relu6));
def(['Sigmoid'], un(sigmoid));
def(['Tanh'], un(tanh));
def(['Elu'], un(elu));
def(['Exp'], un(exp));
def(['Neg'], un(neg));
def(['Sqrt'], un(sqrt));
def(['Rsqrt'], un(rsqrt));
def(['Square'], un(square));
def(['LeakyRelu'], (xs, n) => leakyRelu(xs[0], float(n, 'alpha', 0.2)));
def(['Softmax'], un((x) => softmax(x, -1)));

def(['Squeeze'], (xs, n) => {
  need(n, xs, 1);
  const dims = ints(n, 'squeeze_dims', []);
  return dims.length === 0 ? squeeze(xs[0]) : squeeze(xs[0], dims);
});
def(['Reshape'], (xs, n) => { need(n, xs, 2); return reshape(xs[0], intValues(n, xs[1], 'the shape')); });
def(['ConcatV2'], (xs, n) => {
  need(n, xs, 2);
  const axis = intValues(n, xs[xs.length - 1], 'the axis');
  if (axis.length !== 1) nodeFail(n, 'the axis must be one value');
  return concat(xs.slice(0, -1), axis[0]);
});
const reduce = (f: (x: Tensor, a: number[], k: boolean) => Tensor): GraphOp => (xs, n) => {
  need(n, xs, 2);
  return f(xs[0], intValues(n, xs[1], 'the axes'), flag(n, 'keep_dims'));
};
def(['Mean'], reduce(mean));
def(['Sum'], reduce(sum));
def(['Max'], reduce(max));
