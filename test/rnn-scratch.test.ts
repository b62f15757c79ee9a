import { tp } from './helpers';
import { rnnLayer, rnnLayerComposite } from '../lib/ops/rnn';

test('fused vs composite', () => {
  for (const mode of ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'] as const) for (const proj of [0, 2]) for (const rev of [false, true]) for (const useLen of [false, true]) {
    if (proj && mode !== 'lstm') continue;
    const T = 5, B = 3, I = 4, H = 3, G = mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
    const P = proj || H;
    const dt = 'float64';
    const mk = (s: number[]) => tp.randn(s, { dtype: dt }).mul(0.5).requiresGrad_();
    const x = mk([T, B, I]), h0 = mk([B, P]), c0 = mk([B, H]);
    const w = { wih: mk([G * H, I]), whh: mk([G * H, P]), bih: mk([G * H]), bhh: mk([G * H]), whr: proj ? mk([P, H]) : null };
    const lens = useLen ? tp.tensor([5, 2, 0], { dtype: 'int32' }) : null;
    const r = rnnLayer(mode, x, h0, mode === 'lstm' ? c0 : null, w, lens, rev);
    const c = rnnLayerComposite(mode, x, h0, mode === 'lstm' ? c0 : null, w, lens, rev);
    const fusedFlat = tp.cat([r.y.reshape([-1]), r.hN.reshape([-1]), ...(r.cN ? [r.cN.reshape([-1])] : [])]);
    const d = fusedFlat.sub(c).abs().max().item();
    const gw = tp.randn(fusedFlat.shape, { dtype: dt });
    const ins = [x, h0, ...(mode === 'lstm' ? [c0] : []), w.wih, w.whh, w.bih, w.bhh, ...(w.whr ? [w.whr] : [])];
    const g1 = tp.grads(fusedFlat.mul(gw).sum(), ins);
    const g2 = tp.grads(c.mul(gw).sum(), ins);
    const gd = g1.map((g, i) => g.sub(g2[i]).abs().max().item());
    console.log(mode, proj, rev, useLen, d, gd.map((v) => v.toExponential(1)).join(' '));
    expect(d).toBeLessThan(1e-10);
    for (const v of gd) expect(v).toBeLessThan(1e-10);
  }
});
