// addGraph: the GraphDef of one recorded forward pass, decoded back with protobufjs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tp, expectThrowsCode, expectNoLeak } from './helpers';
import { readEvents, readRecords, eventFiles, wireFields, Decoded } from './summary-reader';
import { summaryTypes } from '../lib/summary/proto';

const ROOT = process.env.SUMMARY_TEST_DIR ? path.resolve(process.env.SUMMARY_TEST_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'tp-summary-'));
let n = 0;
const dir = (name: string): string => path.join(ROOT, `graph-${name}-${n++}`);
afterAll(() => {
  if (!process.env.SUMMARY_TEST_DIR) fs.rmSync(ROOT, { recursive: true, force: true });
});

const { nn } = tp;
type T = InstanceType<typeof tp.Tensor>;

class Encoder extends nn.Module {
  dense1 = new nn.Linear(4, 8);
  dense2 = new nn.Linear(8, 3);
  forward(x: T): T {
    const h = tp.nameScope('hidden', () => this.dense1.forward(x).relu());
    return this.dense2.forward(h);
  }
}

class Net extends nn.Module {
  encoder = new Encoder();
  head = new nn.Sequential(new nn.Linear(3, 2), new nn.Tanh());
  constructor() {
    super();
    this.registerBuffer('scale', tp.tensor(2));
  }
  forward(x: T): T {
    // a constant made inside the pass is a Const node
    const half = tp.tensor(0.5);
    return this.head.forward(this.encoder.forward(x)).mul((this as unknown as { scale: T }).scale).mul(half);
  }
}

interface NodeDef {
  name: string;
  op: string;
  input?: string[];
  device?: string;
  attr: Record<string, Decoded>;
}

function graphOf(model: unknown, input: T | T[]): { nodes: NodeDef[]; raw: Buffer } {
  const d = dir('g');
  const w = new tp.summary.SummaryWriter(d);
  w.addGraph(model, input);
  w.close();
  const ev = readEvents(eventFiles(d)[0]);
  expect(ev).toHaveLength(2);
  expect(ev[1].step ?? 0).toBe(0);
  const raw = Buffer.from(ev[1].graph_def);
  // Event.graph_def = 4
  expect(wireFields(readRecords(eventFiles(d)[0])[1]).map(([k]) => k)).toEqual([1, 4]);
  const { GraphDef } = summaryTypes();
  const g = GraphDef.toObject(GraphDef.decode(raw), { longs: Number, arrays: true, objects: true }) as { node: NodeDef[]; versions: Decoded };
  expect(g.versions.producer).toBe(22);
  return { nodes: g.node, raw };
}

const shapeOf = (nd: NodeDef): number[] => (nd.attr._output_shapes.list.shape[0].dim ?? []).map((d: Decoded) => d.size ?? 0);

describe('addGraph', () => {
  test('nodes named by module path and name scope, parameters by their names, edges, dtypes and shapes', () => {
    tp.manualSeed(1);
    const net = new Net();
    const x = tp.randn([5, 4]);
    const { nodes } = graphOf(net, x);
    const byName = new Map(nodes.map((nd) => [nd.name, nd]));
    const names = nodes.map((nd) => nd.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'input',
        'encoder/dense1/weight',
        'encoder/dense1/bias',
        'encoder/hidden/dense1/linear',
        'encoder/hidden/relu',
        'encoder/dense2/linear',
        'head/0/weight',
        'head/0/linear',
        'head/1/tanh',
        'mul',
        'scale',
        'Const',
        'mul_1',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
    const get = (k: string): NodeDef => {
      const nd = byName.get(k);
      if (!nd) throw new Error(`no node ${k} in ${names.join(', ')}`);
      return nd;
    };
    expect(get('input').op).toBe('Placeholder');
    expect(get('encoder/dense1/weight').op).toBe('Parameter');
    expect(get('scale').op).toBe('Buffer');
    expect(get('encoder/hidden/dense1/linear').input).toEqual(['input', 'encoder/dense1/weight', 'encoder/dense1/bias']);
    expect(get('encoder/hidden/relu').input).toEqual(['encoder/hidden/dense1/linear']);
    expect(get('encoder/dense2/linear').input?.[0]).toBe('encoder/hidden/relu');
    expect(get('head/1/tanh').input).toEqual(['head/0/linear']);
    expect(get('mul').input).toEqual(['head/1/tanh', 'scale']);
    expect(shapeOf(get('encoder/dense1/weight'))).toEqual([8, 4]);
    expect(shapeOf(get('encoder/hidden/relu'))).toEqual([5, 8]);
    expect(shapeOf(get('mul'))).toEqual([5, 2]);
    expect(get('Const').op).toBe('Const');
    expect(get('mul_1').input).toEqual(['mul', 'Const']);
    expect(shapeOf(get('scale'))).toEqual([]);
    expect(get('mul').attr.dtype.type).toBe(1); // DT_FLOAT
    expect(get('mul').device).toBe('/device:CPU:0');
    // every input names an earlier node (topological order)
    const seen = new Set<string>();
    for (const nd of nodes) {
      for (const i of nd.input ?? []) expect(seen.has(i)).toBe(true);
      seen.add(nd.name);
    }
    // the module's forwards are its own again
    expect(Object.getOwnPropertyNames(net.encoder)).not.toContain('forward');
    x.dispose();
  });

  test('a module used twice gives linear and linear_1; float64 and int32 dtypes', () => {
    class Twice extends nn.Module {
      lin = new nn.Linear(3, 3, { dtype: 'float64' });
      forward(x: T): T {
        return this.lin.forward(this.lin.forward(x));
      }
    }
    const m = new Twice();
    const x = tp.randn([2, 3], { dtype: 'float64' });
    const { nodes } = graphOf(m, x);
    const lin = nodes.filter((nd) => nd.op === 'linear').map((nd) => nd.name);
    expect(lin).toEqual(['lin/linear', 'lin/linear_1']);
    expect(nodes.find((nd) => nd.name === 'lin/linear_1')?.input?.[0]).toBe('lin/linear');
    expect(nodes.find((nd) => nd.name === 'lin/linear')?.attr.dtype.type).toBe(2); // DT_DOUBLE
    x.dispose();
    // an int32 input (indices) is a Placeholder of DT_INT32; the tape records only the
    // differentiable inputs of an op, so gather's edge comes from the table alone
    class Lookup extends nn.Module {
      table = new nn.Parameter(tp.randn([10, 4]));
      forward(idx: T): T {
        return tp.gather(this.table, idx);
      }
    }
    const idx = tp.tensor([1, 7, 3], { dtype: 'int32' });
    const g = graphOf(new Lookup(), idx).nodes;
    expect(g.map((nd) => [nd.name, nd.op, nd.attr.dtype.type, shapeOf(nd)])).toEqual([
      ['input', 'Placeholder', 3, [3]],
      ['table', 'Parameter', 1, [10, 4]],
      ['gather', 'gather', 1, [3, 4]],
    ]);
    expect(g[2].input).toEqual(['table']);
    idx.dispose();
  });

  test('an object with forward() and tp.variable parameters (the TF style) names nodes by variable names', () => {
    const W = tp.variable(tp.randn([4, 2]), { name: 'W_fc1' });
    const b = tp.variable(tp.zeros([2]), { name: 'b_fc1' });
    const model = { parameters: () => [W, b], forward: (x: T) => tp.nameScope('fc1', () => x.matmul(W).add(b)) };
    const x = tp.ones([3, 4]);
    const { nodes } = graphOf(model, x);
    const add = nodes[nodes.length - 1];
    expect(add.name).toMatch(/^fc1(_\d+)?\/add$/);
    expect(add.input?.[1]).toBe('b_fc1');
    expect(nodes.find((nd) => nd.name === 'W_fc1')?.op).toBe('Parameter');
    x.dispose();
  });

  test('frees everything the pass made, keeps the model usable; bad arguments are refused', () => {
    const net = new Net();
    const x = tp.randn([2, 4]);
    expectNoLeak(() => graphOf(net, x));
    const y = net.forward(x);
    expect(y.shape).toEqual([2, 2]);
    y.dispose();
    const w = new tp.summary.SummaryWriter(dir('errors'));
    expectThrowsCode(() => w.addGraph({}, x), 'ERR_ARGUMENT', /addGraph: model must be/);
    expectThrowsCode(() => w.addGraph(net, [] as never), 'ERR_ARGUMENT', /inputToModel/);
    expectThrowsCode(() => w.addGraph(net, [x, 3] as never), 'ERR_ARGUMENT', /inputToModel\[1\]/);
    expectThrowsCode(() => w.addGraph(net, tp.ones([2, 5])), 'ERR_SHAPE', /Linear.forward/);
    // a pass that fails after making tensors frees them too
    class Boom extends nn.Module {
      forward(t: T): T {
        return tp.matmul(t.mul(2).add(1), tp.ones([7, 7]));
      }
    }
    expectNoLeak(() => expectThrowsCode(() => w.addGraph(new Boom(), x), 'ERR_SHAPE', /matmul/));
    expectThrowsCode(() => w.addGraph({ forward: () => 5 }, x), 'ERR_ARGUMENT', /returned no tensor/);
    expect(Object.getOwnPropertyNames(net)).not.toContain('forward'); // restored after a failing pass
    w.close();
    x.dispose();
  });
});
