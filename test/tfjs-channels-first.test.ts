// tp.io.loadTfjsModel: data_format 'channels_first' (NCHW Keras values) for Conv2D,
// DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
// GlobalMaxPooling2D, ZeroPadding2D, Cropping2D, UpSampling2D and Flatten (channels moved last
// first, as Keras), with
// BatchNormalization(axis 1) and the inference fusion of Conv → BatchNormalization → ReLU.
// Reference outputs: test/fixtures/gen_tfjs_keras2.js (@tensorflow/tfjs). The channels_first
// layers are gradchecked in float64 through the layer registry, and equal their channels_last
// forms on transposed values.
import { tp, expectClose, expectThrowsCode, expectNoLeak, rng, randArray } from './helpers';
import { fixture, load, inputsOf, checkFixture, values, layerOf, TOL } from './tfjs-keras2-fx';
import { LAYERS } from '../lib/tfjs/registry';
import type { LayerContext } from '../lib/tfjs/registry';
import { readTopology } from '../lib/tfjs/topology';
import { findFusions } from '../lib/tfjs/fuse';

describe('loadTfjsModel: channels_first models against tfjs', () => {
  test.each(['cnn_channels_first', 'cnn_channels_first_strided', 'upsample_crop_channels_first', 'upsample_crop_channels_last'])('%s', (name) => checkFixture(fixture(name)));

  test('the Conv2D → BatchNormalization(axis 1) → ReLU chain is fused in inference, and gives what the layers give', () => {
    const f = fixture('cnn_channels_first');
    const topo = readTopology(f.modelTopology);
    const fz = [...findFusions(topo.calls, topo.outputs).values()];
    expect(fz.map((z) => [topo.calls[z.conv].layer.name, z.bn !== null ? topo.calls[z.bn].layer.name : null, z.act !== null ? topo.calls[z.act].layer.name : null, z.first]))
      .toEqual([['conv1', 'bn1', 'relu1', true], ['dw', null, null, true]]);
    // BatchNormalization over another axis does not fuse
    const other = readTopology({ ...f.modelTopology, config: { ...f.modelTopology.config, layers: f.modelTopology.config.layers.map((l) => (l.name === 'bn1' ? { ...l, config: { ...l.config, axis: 3 } } : l)) } });
    expect([...findFusions(other.calls, other.outputs).values()].map((z) => topo.calls[z.conv].layer.name)).toEqual(['dw']);
    // in train mode nothing fuses: batch statistics (finite, and the moving statistics move)
    const m = load(f);
    const [x] = inputsOf(f);
    const before = values(m.buffers().find((b) => b.size === 4)!);
    m.train();
    const ys = m.forward(x) as tp.Tensor[];
    expect(values(ys[0]).every(Number.isFinite)).toBe(true);
    expect(values(m.buffers().find((b) => b.size === 4)!)).not.toEqual(before);
    tp.dispose([x, ...ys]);
    m.dispose();
  });

  test('no leaks: fused and layer-by-layer forwards, backward', () => {
    const f = fixture('cnn_channels_first');
    expectNoLeak(() => {
      const m = load(f);
      const [x] = inputsOf(f);
      tp.dispose(tp.noGrad(() => m.forward(x)) as tp.Tensor[]);
      tp.dispose(tp.noGrad(() => m.forward(x)) as tp.Tensor[]);
      tp.tidy(() => { tp.backward(tp.sum((m.forward(x) as tp.Tensor[])[0])); });
      for (const p of m.parameters()) if (p.grad) p.grad.dispose();
      x.dispose();
      m.dispose();
    });
  });

  test('errors name the layer: a data_format of neither kind, a channel count that does not fit', () => {
    const f = fixture('cnn_channels_first_strided');
    expectThrowsCode(() => load(f, (ls) => { layerOf(ls, 'conv').config.data_format = 'channels_middle'; }), 'ERR_FORMAT',
      /layer 'conv': data_format must be 'channels_last' or 'channels_first', got "channels_middle"/);
    expectThrowsCode(() => load(f, (ls) => { layerOf(ls, 'flat').config.data_format = 'NCHW'; }), 'ERR_FORMAT', /layer 'flat': data_format must be/);
    const m = load(f, (ls) => { ls[0].config.batch_input_shape = [null, null, null, null]; });
    expectThrowsCode(() => m.forward(tp.zeros([1, 7, 6, 2])), 'ERR_SHAPE', /layer 'conv': Conv2D \(channels_first\) takes a 4-D \[N, C, H, W\] input with C = 2, got \[1,7,6,2\]/);
    m.dispose();
    const up = LAYERS.get('UpSampling2D')!, crop = LAYERS.get('Cropping2D')!;
    expectThrowsCode(() => up.prepare({ interpolation: 'bicubic' }, 'u'), 'ERR_UNSUPPORTED', /layer 'u': interpolation "bicubic" is not supported/);
    expectThrowsCode(() => crop.prepare({ cropping: [1, -1] }, 'c'), 'ERR_FORMAT', /layer 'c': cropping must be n, \[h, w\] or/);
    const ctx: LayerContext = { name: 'c', training: false };
    expectThrowsCode(() => crop.apply([tp.zeros([1, 2, 3, 3])], {}, crop.prepare({ cropping: [[1, 2], [0, 0]], data_format: 'channels_first' }, 'c'), ctx), 'ERR_SHAPE',
      /layer 'c': Cropping2D of \[\[1,2\],\[0,0\]\] needs a 4-D \[N, C, H, W\] input larger than the cropping, got \[1,2,3,3\]/);
  });
});

const t64 = (shape: number[], seed: number) => tp.tensor(randArray(shape.reduce((a, b) => a * b, 1), rng(seed), -0.8, 0.8), { shape, dtype: 'float64' });
const toNhwc = (x: tp.Tensor) => tp.permute(x, [0, 2, 3, 1]);

/** One registry layer: (x, ...weights by role) → output. */
function layerFn(cls: string, cfg: Record<string, unknown>, roles: string[]) {
  const def = LAYERS.get(cls)!;
  const p = def.prepare(cfg, 'l');
  const ctx: LayerContext = { name: 'l', training: false };
  return (x: tp.Tensor, ...ws: tp.Tensor[]) => {
    const w: Record<string, tp.Tensor> = {};
    roles.forEach((r, i) => (w[r] = ws[i]));
    return def.apply([x], w, p, ctx) as tp.Tensor;
  };
}

describe('channels_first layers (and UpSampling2D, Cropping2D): float64 gradchecks, and equal to channels_last on transposed values', () => {
  const cf = { data_format: 'channels_first' };
  test.each([
    ['Conv2D same stride 2', 'Conv2D', { filters: 3, kernel_size: [3, 2], strides: 2, padding: 'same', activation: 'tanh' }, [['kernel', [3, 2, 2, 3]], ['bias', [3]]]],
    ['Conv2D groups dilation', 'Conv2D', { filters: 4, kernel_size: 2, dilation_rate: 2, groups: 2 }, [['kernel', [2, 2, 1, 4]], ['bias', [4]]]],
    ['DepthwiseConv2D', 'DepthwiseConv2D', { kernel_size: 3, depth_multiplier: 2, padding: 'same' }, [['depthwise_kernel', [3, 3, 2, 2]], ['bias', [4]]]],
    ['SeparableConv2D', 'SeparableConv2D', { filters: 3, kernel_size: 2, depth_multiplier: 1 }, [['depthwise_kernel', [2, 2, 2, 1]], ['pointwise_kernel', [1, 1, 2, 3]], ['bias', [3]]]],
    ['MaxPooling2D same', 'MaxPooling2D', { pool_size: 2, padding: 'same' }, []],
    ['AveragePooling2D', 'AveragePooling2D', { pool_size: [2, 3], strides: 1 }, []],
    ['GlobalAveragePooling2D keepdims', 'GlobalAveragePooling2D', { keepdims: true }, []],
    ['GlobalMaxPooling2D', 'GlobalMaxPooling2D', {}, []],
    ['ZeroPadding2D', 'ZeroPadding2D', { padding: [[1, 0], [0, 2]] }, []],
    ['Flatten', 'Flatten', {}, []],
    ['UpSampling2D nearest', 'UpSampling2D', { size: [2, 3] }, []],
    ['UpSampling2D bilinear', 'UpSampling2D', { size: [2, 2], interpolation: 'bilinear' }, []],
    ['Cropping2D', 'Cropping2D', { cropping: [[1, 2], [0, 1]] }, []],
  ] as [string, string, Record<string, unknown>, [string, number[]][]][])('%s', (_l, cls, cfg, ws) => {
    const x = t64([2, 2, 5, 4], 1);
    const weights = ws.map(([, shape], i) => t64(shape, 2 + i));
    const roles = ws.map(([r]) => r);
    const first = layerFn(cls, { ...cfg, ...cf }, roles);
    const last = layerFn(cls, cfg, roles);
    const y = first(x, ...weights);
    const ref = last(toNhwc(x), ...weights);
    // channels_first values are NCHW; Flatten and the 2-D global pools have no channel axis left
    const yl = y.rank === 4 && ref.rank === 4 ? toNhwc(y) : y;
    expect(yl.shape).toEqual(ref.shape);
    expectClose(values(yl), values(ref), { atol: 1e-12, rtol: 1e-10 });
    expect(tp.gradcheck(first, [x, ...weights])).toBe(true);
    tp.dispose([x, ...weights, y, ref]);
  });

  test('BatchNormalization axis 1 in train mode: float64 gradcheck of input, gamma and beta', () => {
    const def = LAYERS.get('BatchNormalization')!;
    const p = def.prepare({ axis: 1 }, 'l');
    const mm = tp.zeros([3], { dtype: 'float64' }), mv = tp.ones([3], { dtype: 'float64' });
    const f = (x: tp.Tensor, g: tp.Tensor, b: tp.Tensor) => def.apply([x], { gamma: g, beta: b, moving_mean: mm, moving_variance: mv }, p, { name: 'l', training: true }) as tp.Tensor;
    const ts = [t64([2, 3, 2, 2], 5), t64([3], 6), t64([3], 7)];
    expect(tp.gradcheck(f, ts)).toBe(true);
    tp.dispose([...ts, mm, mv]);
  });
});

test('the fixtures were made with the channels_first formats', () => {
  const f = fixture('cnn_channels_first');
  expect(f.modelTopology.config.layers.filter((l) => l.config.data_format === 'channels_first').map((l) => l.class_name).sort())
    .toEqual(['AveragePooling2D', 'Conv2D', 'DepthwiseConv2D', 'Flatten', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'MaxPooling2D', 'SeparableConv2D', 'ZeroPadding2D']);
  expect(layerOf(f.modelTopology.config.layers, 'bn1').config.axis).toBe(1);
  void TOL;
  void expectClose;
});
