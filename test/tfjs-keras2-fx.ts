// The models of test/fixtures/tfjs_keras2.json (made by gen_tfjs_keras2.js in @tensorflow/tfjs):
// loading, running and checking them against TF.js's outputs, for the return_state, mask and
// channels_first tests.
import { tp, expectClose, rng, randArray } from './helpers';

export type RawLayer = { class_name: string; name: string; config: Record<string, unknown>; inbound_nodes: unknown[] };
export interface Fixture {
  name: string;
  modelTopology: { config: { layers: RawLayer[]; output_layers: unknown[] } };
  weightSpecs: { name: string; shape: number[] }[];
  weightData: string;
  inputs: { shape: number[]; data: number[] }[];
  outputs: { shape: number[]; data: number[] }[];
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const FX: Fixture[] = require('./fixtures/tfjs_keras2.json').models;
export const TOL = { atol: 1e-5, rtol: 1e-4 };
export const fixture = (name: string): Fixture => {
  const f = FX.find((g) => g.name === name);
  if (f === undefined) throw new Error(`no fixture ${name}`);
  return f;
};
export const values = (t: tp.Tensor): number[] => Array.from(t.dataSync() as Float32Array);
export const layerOf = (ls: RawLayer[], name: string): RawLayer => ls.find((l) => (l.name ?? l.config.name) === name)!;

/** The fixture's model, its topology edited first by `edit` (a deep copy). */
export function load(f: Fixture, edit?: (layers: RawLayer[], topo: Fixture['modelTopology']) => void): tp.io.TfjsModel {
  const topo = JSON.parse(JSON.stringify(f.modelTopology));
  if (edit) edit(topo.config.layers, topo);
  const json = { format: 'layers-model', modelTopology: topo, weightsManifest: [{ paths: ['w.bin'], weights: f.weightSpecs }] };
  return tp.io.loadTfjsModel(json, { weights: Buffer.from(f.weightData, 'base64') }) as tp.io.TfjsModel;
}

export const inputsOf = (f: Fixture): tp.Tensor[] => f.inputs.map((i) => tp.tensor(i.data, { shape: i.shape }));
const asList = (y: tp.Tensor | tp.Tensor[]): tp.Tensor[] => (Array.isArray(y) ? y : [y]);

/**
 * Runs the fixture's model without the tape (twice: cold, then with its caches) and with it, each
 * time against TF.js's outputs; then backward from a random weighting of every output: every
 * Keras weight gets a finite gradient, nonzero unless `noGrad` names it.
 */
export function checkFixture(f: Fixture, noGrad: (name: string) => boolean = () => false): void {
  const m = load(f);
  const xs = inputsOf(f);
  const check = (ys: tp.Tensor[], what: string) => {
    expect(ys.length).toBe(f.outputs.length);
    ys.forEach((y, i) => {
      expect([what, i, y.shape]).toEqual([what, i, f.outputs[i].shape]);
      expectClose(values(y), f.outputs[i].data, TOL, `${f.name} ${what} output ${i}`);
    });
  };
  for (let k = 0; k < 2; k++) {
    const ys = asList(tp.noGrad(() => m.forward(...xs)));
    check(ys, `forward ${k}`);
    tp.dispose(ys);
  }
  const ys = asList(m.forward(...xs));
  check(ys, 'recorded forward');
  const r = rng(7);
  const loss = ys.map((y) => tp.sum(tp.mul(y, tp.tensor(randArray(y.size, r, 0.5, 1.5), { shape: y.shape })))).reduce((a, b) => tp.add(a, b));
  tp.backward(loss);
  for (const [name, p] of m.namedParameters()) {
    expect([name, p.grad !== null]).toEqual([name, true]);
    const g = values(p.grad as tp.Tensor);
    expect([name, g.every(Number.isFinite)]).toEqual([name, true]);
    if (!noGrad(name)) expect([name, g.some((v) => v !== 0)]).toEqual([name, true]);
  }
  tp.dispose([...xs]);
  m.dispose();
}
