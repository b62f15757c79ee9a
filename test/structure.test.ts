// Structure rules of the code base, checked on every `npm test`:
// - no import cycle in lib/ (madge, a devDependency, reads the TypeScript imports);
// - no source file in lib/ or native/ over 400 lines;
// - the files generated from scripts/ops.json (lib/ops/opcodes.ts, native/cpu/opcodes.h) are
//   what scripts/gen-ops.js makes of it today, and the table's facts hold for the ops.
import * as fs from 'fs';
import * as path from 'path';
import { tp, rng, seedOf, randArray } from './helpers';
import { reluGrad } from '../lib/ops/binary';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { generate } = require('../scripts/gen-ops.js') as { generate: () => Record<string, string> };
// eslint-disable-next-line @typescript-eslint/no-var-requires
const table = require('../scripts/ops.json') as {
  binary: { name: string; differentiable: boolean; internal?: boolean }[];
  unary: { name: string; differentiable: boolean; internal?: boolean }[];
};

const root = path.join(__dirname, '..');
const MAX_LINES = 400;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function lineCount(text: string): number {
  if (text.length === 0) return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

interface MadgeResult {
  obj(): Record<string, string[]>;
  circular(): string[][];
  warnings(): { skipped: string[] };
}
type Madge = (p: string, config: Record<string, unknown>) => Promise<MadgeResult>;

/** madge is a devDependency: `npm ci` installs it. Missing, the check fails rather than pass unchecked. */
function loadMadge(): Madge {
  let resolved: string;
  try {
    resolved = require.resolve('madge');
  } catch {
    throw new Error('madge is not installed, so the import-cycle check cannot run: run `npm ci` (madge is a devDependency)');
  }
  return require(resolved) as Madge; // eslint-disable-line @typescript-eslint/no-var-requires
}

describe('structure', () => {
  test('no import cycle in lib/', async () => {
    const madge = loadMadge();
    const res = await madge(path.join(root, 'lib'), {
      fileExtensions: ['ts'],
      tsConfig: path.join(root, 'tsconfig.json'),
    });
    // every file of lib/ was read and every relative import resolved (a skipped one could hide a cycle)
    const tsFiles = filesUnder(path.join(root, 'lib')).filter((f) => f.endsWith('.ts'));
    expect(Object.keys(res.obj()).length).toBe(tsFiles.length);
    expect(res.warnings().skipped).toEqual([]);
    const cycles = res.circular().map((c) => c.join(' -> '));
    expect(cycles).toEqual([]);
  }, 60000);

  test(`no source file in lib/ or native/ over ${MAX_LINES} lines`, () => {
    const files = [...filesUnder(path.join(root, 'lib')), ...filesUnder(path.join(root, 'native'))];
    expect(files.length).toBeGreaterThan(50);
    const long = files
      .map((f) => ({ file: path.relative(root, f), lines: lineCount(fs.readFileSync(f, 'utf8')) }))
      .filter((x) => x.lines > MAX_LINES)
      .map((x) => `${x.file}: ${x.lines} lines`);
    expect(long).toEqual([]);
  });

  test('lib/ops/opcodes.ts and native/cpu/opcodes.h are generated from scripts/ops.json', () => {
    const files = generate();
    expect(Object.keys(files).sort()).toEqual(['lib/ops/opcodes.ts', 'native/cpu/opcodes.h']);
    for (const [rel, text] of Object.entries(files)) {
      const cur = fs.readFileSync(path.join(root, rel), 'utf8');
      if (cur !== text) throw new Error(`${rel} is out of date with scripts/ops.json: run \`node scripts/gen-ops.js\``);
    }
  });

  // The table says which ops record a gradient; each op, run on float64 inputs that require
  // grad, must do exactly that (a node named after the op), so the fact cannot go stale.
  const fns = tp as unknown as Record<string, (...args: unknown[]) => tp.Tensor>;
  const unaryArgs: Record<string, unknown[]> = { clip: [-1, 1] };
  const leaf = (name: string): tp.Tensor =>
    tp.tensor(randArray(6, rng(seedOf(name)), 0.5, 2), { shape: [2, 3], dtype: 'float64' }).requiresGrad_();

  test.each(table.unary.map((op) => [op.name, op]))('unary %s: differentiable as scripts/ops.json says', (_n, op) => {
    const fn = fns[op.name];
    expect(typeof fn).toBe('function');
    tp.tidy(() => {
      const y = fn(leaf(op.name), ...(unaryArgs[op.name] ?? []));
      expect(y.gradFn).toBe(op.differentiable ? op.name : null);
    });
  });

  test.each(table.binary.map((op) => [op.name, op]))('binary %s: differentiable as scripts/ops.json says', (_n, op) => {
    const fn = op.internal ? (reluGrad as (a: unknown, b: unknown) => tp.Tensor) : fns[op.name];
    expect(typeof fn).toBe('function');
    tp.tidy(() => {
      const y = fn(leaf(op.name), leaf(`${op.name}/b`));
      expect(y.gradFn).toBe(op.differentiable ? op.name : null);
    });
  });
});
