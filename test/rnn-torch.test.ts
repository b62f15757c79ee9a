// nn.LSTM / GRU / RNN and the torch cells against torch 1.13 (test/fixtures/gen_rnn.py -> rnn.json):
// the same weights (loaded through loadStateDict), outputs and the gradients of the input, the
// initial states and every parameter. float64 to 1e-9; float32 on the same data to 2e-4 (relative
// to the values' scale: T steps of float32 rounding through tanh/sigmoid and the GEMMs).
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectTensor } from './helpers';

interface FT {
  shape: number[];
  data: number[];
}
interface ModuleCase {
  id: string;
  kind: 'LSTM' | 'GRU' | 'RNN';
  I: number;
  H: number;
  options: Record<string, unknown>;
  x: FT;
  h0: FT | null;
  c0: FT | null;
  lengths: number[] | null;
  params: Record<string, FT>;
  gy: FT;
  ghN: FT;
  gcN: FT | null;
  out: { output: FT; hN: FT; cN: FT | null };
  grads: Record<string, FT>;
}
interface CellCase {
  id: string;
  kind: 'LSTMCell' | 'GRUCell' | 'RNNCell';
  I: number;
  H: number;
  options: Record<string, unknown>;
  x: FT;
  h: FT | null;
  c: FT | null;
  params: Record<string, FT>;
  gh: FT;
  gc: FT | null;
  out: { h: FT; c: FT | null };
  grads: Record<string, FT>;
}
const fx = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'rnn.json'), 'utf8')) as { modules: ModuleCase[]; cells: CellCase[] };
type DT = 'float32' | 'float64';
const mk = (t: FT, dtype: DT, rg = false) => tp.tensor(t.data, { shape: t.shape, dtype, requiresGrad: rg });
const TOL: Record<DT, { rtol: number; atol: number }> = { float64: { rtol: 1e-9, atol: 1e-9 }, float32: { rtol: 2e-4, atol: 2e-4 } };

function buildModule(c: ModuleCase, dtype: DT) {
  const o = { ...c.options, dtype };
  const m = c.kind === 'LSTM' ? new tp.nn.LSTM(c.I, c.H, o) : c.kind === 'GRU' ? new tp.nn.GRU(c.I, c.H, o) : new tp.nn.RNN(c.I, c.H, o);
  const sd: Record<string, tp.Tensor> = {};
  for (const [n, t] of Object.entries(c.params)) sd[n] = mk(t, dtype);
  m.loadStateDict(sd);
  expect(m.namedParameters().map(([n]) => n)).toEqual(Object.keys(c.params)); // torch's names and order
  return m;
}

function runModule(c: ModuleCase, dtype: DT) {
  const m = buildModule(c, dtype);
  const x = mk(c.x, dtype, true);
  const h0 = c.h0 ? mk(c.h0, dtype, true) : null;
  const c0 = c.c0 ? mk(c.c0, dtype, true) : null;
  const opts = c.lengths ? { lengths: c.lengths } : undefined;
  let out: tp.Tensor, hN: tp.Tensor, cN: tp.Tensor | null = null;
  if (c.kind === 'LSTM') {
    const r = (m as tp.nn.LSTM).forward(x, h0 && c0 ? [h0, c0] : null, opts);
    [out, [hN, cN]] = r;
  } else [out, hN] = (m as tp.nn.GRU).forward(x, h0, opts);
  let loss = out.mul(mk(c.gy, dtype)).sum().add(hN.mul(mk(c.ghN, dtype)).sum());
  if (cN && c.gcN) loss = loss.add(cN.mul(mk(c.gcN, dtype)).sum());
  const names = ['x', ...(h0 ? ['h0'] : []), ...(c0 ? ['c0'] : []), ...Object.keys(c.params)];
  const params = Object.fromEntries(m.namedParameters());
  const wrt = [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...Object.keys(c.params).map((n) => params[n])];
  const gs = tp.grads(loss, wrt);
  return { out, hN, cN, grads: Object.fromEntries(names.map((n, i) => [n, gs[i]])) };
}

describe.each(['float64', 'float32'] as DT[])('torch modules (%s)', (dtype) => {
  test.each(fx.modules.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = runModule(c, dtype);
    const tol = TOL[dtype];
    expectTensor(r.out, c.out.output.shape, dtype, c.out.output.data, tol, 'output');
    expectTensor(r.hN, c.out.hN.shape, dtype, c.out.hN.data, tol, 'hN');
    if (c.out.cN) expectTensor(r.cN as tp.Tensor, c.out.cN.shape, dtype, c.out.cN.data, tol, 'cN');
    for (const [n, g] of Object.entries(c.grads)) expectTensor(r.grads[n], g.shape, dtype, g.data, tol, `grad ${n}`);
  });
});

describe.each(['float64', 'float32'] as DT[])('torch cells (%s)', (dtype) => {
  test.each(fx.cells.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const o = { ...c.options, dtype } as Record<string, unknown>;
    const m = c.kind === 'LSTMCell' ? new tp.nn.LSTMCell(c.I, c.H, o) : c.kind === 'GRUCell' ? new tp.nn.GRUCell(c.I, c.H, o) : new tp.nn.RNNCell(c.I, c.H, o);
    const sd: Record<string, tp.Tensor> = {};
    for (const [n, t] of Object.entries(c.params)) sd[n] = mk(t, dtype);
    m.loadStateDict(sd);
    const x = mk(c.x, dtype, true);
    const h = c.h ? mk(c.h, dtype, true) : null;
    const cc = c.c ? mk(c.c, dtype, true) : null;
    let h2: tp.Tensor, c2: tp.Tensor | null = null;
    if (m instanceof tp.nn.LSTMCell) [h2, c2] = m.forward(x, h && cc ? [h, cc] : null);
    else h2 = (m as tp.nn.GRUCell).forward(x, h);
    let loss = h2.mul(mk(c.gh, dtype)).sum();
    if (c2 && c.gc) loss = loss.add(c2.mul(mk(c.gc, dtype)).sum());
    const params = Object.fromEntries(m.namedParameters());
    const names = ['x', ...(h ? ['h'] : []), ...(cc ? ['c'] : []), ...Object.keys(c.params)];
    const gs = tp.grads(loss, [x, ...(h ? [h] : []), ...(cc ? [cc] : []), ...Object.keys(c.params).map((n) => params[n])]);
    const tol = TOL[dtype];
    expectTensor(h2, c.out.h.shape, dtype, c.out.h.data, tol, 'h');
    if (c.out.c) expectTensor(c2 as tp.Tensor, c.out.c.shape, dtype, c.out.c.data, tol, 'c');
    names.forEach((n, i) => expectTensor(gs[i], c.grads[n].shape, dtype, c.grads[n].data, tol, `grad ${n}`));
  });
});

test('dynamicRnn over torch cells equals the torch layer with the same weights', () => {
  // GRUCell through dynamicRnn's step loop, LSTMCell through the fused path, against nn.GRU / nn.LSTM fixtures
  for (const id of ['gru_basic', 'lstm_basic']) {
    const c = fx.modules.find((m) => m.id === id) as ModuleCase;
    const cell = c.kind === 'GRU' ? new tp.nn.GRUCell(c.I, c.H, { dtype: 'float64' }) : new tp.nn.LSTMCell(c.I, c.H, { dtype: 'float64' });
    const sd: Record<string, tp.Tensor> = {};
    for (const [n, t] of Object.entries(c.params)) sd[n.replace('_l0', '')] = mk(t, 'float64');
    cell.loadStateDict(sd);
    const x = mk(c.x, 'float64');
    const h0 = mk(c.h0 as FT, 'float64').reshape([3, c.H]);
    const init = c.kind === 'GRU' ? h0 : [h0, mk(c.c0 as FT, 'float64').reshape([3, c.H])];
    const [y, s] = tp.nn.dynamicRnn(cell, x, { initialState: init, timeMajor: true });
    expectTensor(y, c.out.output.shape, 'float64', c.out.output.data, TOL.float64, id);
    const hN = c.kind === 'GRU' ? (s as tp.Tensor) : (s as tp.Tensor[])[0];
    expectTensor(hN, [3, c.H], 'float64', c.out.hN.data, TOL.float64, `${id} hN`);
  }
});
