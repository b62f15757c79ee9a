// nsfwjs's Inception v3 and MobileNetV2 (TF.js layers models, uint8-quantised weights) loaded with
// tp.io.loadTfjsModel and run on the fixed input of test/fixtures/tfjs-input.js, against
// @tensorflow/tfjs's outputs stored by test/fixtures/gen_tfjs.js in tfjs_nsfwjs.json.
// Tolerance: class probabilities within 1e-4 absolute; every 16th pooled feature within
// 1e-4 + 1e-3·|want|; the per-image feature sums within 1e-4 relative (float32 sums of 2048
// / 1280 values, each path accumulating in its own order).
import * as fs from 'fs';
import * as path from 'path';
import { tp, settleGc } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { nsfwjsModel, tfjsInput } = require('./fixtures/tfjs-input');

const REF = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'tfjs_nsfwjs.json'), 'utf8'));

describe.each(['inception_v3', 'mobilenet_v2'])('nsfwjs %s against @tensorflow/tfjs', (name) => {
  const ref = REF[name];
  test(`probabilities and ${ref.featureLayer} features at batch ${ref.batch}`, () => {
    const { model, weights } = nsfwjsModel(name);
    const m = tp.io.loadTfjsModel(model, { weights, outputs: [ref.featureLayer, 'dense_3'] });
    expect(m.inputs).toEqual([{ name: 'input_1', shape: [null, ref.size, ref.size, 3] }]);
    expect(m.namedParameters().some(([n]) => n === 'dense_3/kernel')).toBe(true);
    const x = tp.tensor(tfjsInput(ref.batch, ref.size), { shape: [ref.batch, ref.size, ref.size, 3] });
    settleGc();
    const before = tp.memory().numTensors;
    const [feat, probs] = tp.noGrad(() => m.forward(x)) as tp.Tensor[];
    // every intermediate was freed as its last reader ran: only the two outputs are new, and the
    // channels-first kernel of each convolution the model keeps for later calls, with the batch
    // norm folded in, and the folded bias of each convolution a batch norm follows (every one here)
    const count = (re: RegExp) => model.modelTopology.model_config.config.layers.filter((l: { class_name: string }) => re.test(l.class_name)).length;
    expect(tp.memory().numTensors).toBe(before + 2 + count(/^(Conv2D|DepthwiseConv2D)$/) + count(/^BatchNormalization$/));
    expect(feat.shape).toEqual([ref.batch, ref.featureDim]);
    expect(probs.shape).toEqual([ref.batch, 5]);
    const p = probs.dataSync();
    ref.probs.forEach((want: number, i: number) => expect(Math.abs(p[i] - want)).toBeLessThanOrEqual(1e-4));
    const f = feat.dataSync();
    let worst = 0;
    let k = 0;
    for (let b = 0; b < ref.batch; b++) {
      let s = 0;
      for (let i = 0; i < ref.featureDim; i++) s += f[b * ref.featureDim + i];
      expect(Math.abs(s - ref.featureSums[b])).toBeLessThanOrEqual(1e-4 * Math.abs(ref.featureSums[b]));
      for (let i = 0; i < ref.featureDim; i += ref.every) {
        const want = ref.features[k++];
        worst = Math.max(worst, Math.abs(f[b * ref.featureDim + i] - want) - 1e-3 * Math.abs(want));
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
    feat.dispose();
    probs.dispose();
    x.dispose();
    m.dispose();
  });

  // batch 1 takes the paths a batch of several does not (sibling 1x1s as one convolution,
  // concatenations written in place) and, from the second forward, the weights packed ahead:
  // the reference's first image through three forwards
  test('batch 1, three forwards: the reference\'s first image', () => {
    const { model, weights } = nsfwjsModel(name);
    const m = tp.io.loadTfjsModel(model, { weights, outputs: [ref.featureLayer, 'dense_3'] });
    const x = tp.tensor(tfjsInput(ref.batch, ref.size).slice(0, ref.size * ref.size * 3), { shape: [1, ref.size, ref.size, 3] });
    const per = ref.featureDim / ref.every;
    for (let run = 0; run < 3; run++) {
      const [feat, probs] = tp.noGrad(() => m.forward(x)) as tp.Tensor[];
      const p = probs.dataSync();
      for (let i = 0; i < 5; i++) expect(Math.abs(p[i] - ref.probs[i])).toBeLessThanOrEqual(1e-4);
      const f = feat.dataSync();
      let s = 0;
      for (let i = 0; i < ref.featureDim; i++) s += f[i];
      expect(Math.abs(s - ref.featureSums[0])).toBeLessThanOrEqual(1e-4 * Math.abs(ref.featureSums[0]));
      for (let k = 0; k < per; k++) expect(Math.abs(f[k * ref.every] - ref.features[k])).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(ref.features[k]));
      tp.dispose([feat, probs]);
    }
    x.dispose();
    m.dispose();
  });
});

describe('nsfwjs mobilenet_v2_mid (a TF.js graph model) against @tensorflow/tfjs', () => {
  const ref = REF.mobilenet_v2_mid;
  test(`probabilities and ${ref?.featureNode?.split('/').pop()} features at batch ${ref?.batch}`, () => {
    const { model, weights } = nsfwjsModel('mobilenet_v2_mid');
    const m = tp.io.loadTfjsModel(model, { weights, outputs: [ref.featureNode, 'Identity'] }) as tp.io.TfjsGraphModel;
    expect(m.inputs).toEqual([{ name: 'input', shape: [null, ref.size, ref.size, 3] }]);
    const x = tp.tensor(tfjsInput(ref.batch, ref.size), { shape: [ref.batch, ref.size, ref.size, 3] });
    settleGc();
    const before = tp.memory().numTensors;
    const [feat, probs] = tp.noGrad(() => m.forward(x)) as tp.Tensor[];
    expect(tp.memory().numTensors).toBe(before + 2);
    expect(feat.shape).toEqual([ref.batch, ref.featureDim]);
    const p = probs.dataSync();
    ref.probs.forEach((want: number, i: number) => expect(Math.abs(p[i] - want)).toBeLessThanOrEqual(1e-4));
    const f = feat.dataSync();
    let worst = 0;
    let k = 0;
    for (let b = 0; b < ref.batch; b++) {
      let s = 0;
      for (let i = 0; i < ref.featureDim; i++) s += f[b * ref.featureDim + i];
      expect(Math.abs(s - ref.featureSums[b])).toBeLessThanOrEqual(1e-4 * Math.abs(ref.featureSums[b]));
      for (let i = 0; i < ref.featureDim; i += ref.every) worst = Math.max(worst, Math.abs(f[b * ref.featureDim + i] - ref.features[k]) - 1e-3 * Math.abs(ref.features[k++]));
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
    tp.dispose([feat, probs, x]);
    m.dispose();
  });
});
