// The published types (dist/*.d.ts, emitted with stripInternal): a user's program type-checks
// against them with skipLibCheck off (so no public declaration names a stripped, internal one),
// internal fields (_h, _st, _node, …) are not part of Tensor or Module, and forward / call are
// typed by Module's type parameters. Like test/worker.test.ts it reads the compiled package:
// `npm run build:ts` (npm install runs it) before the tests.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const DIST = process.env.TAPEFLOW_DIST ?? path.join(ROOT, 'dist');

const CONSUMER = `
import * as tp from ${JSON.stringify(path.resolve(DIST))};
type T = tp.Tensor;
class Block extends tp.nn.Module {
  lin = new tp.nn.Linear(2, 2, { weightInit: 'xavierUniform', biasInit: (s, dt) => tp.zeros(s, { dtype: dt }) });
  forward(x: T): T { return this.lin.call(x); }
}
class Two extends tp.nn.Module<[T, T], T> {
  forward(a: T, b: T): T { return tp.add(a, b); }
}
const y: T = new Block().call(tp.ones([2]));
const list = new tp.nn.ModuleList([new Two()]);
const z: T = list[0].call(y, y);
const dict = new tp.nn.ModuleDict({ q: new tp.nn.Linear(2, 2) });
const w: T = dict.get('q').call(z);
const j: { dtype: tp.DType; shape: number[] } = w.toJSON();
const s: string = String(w);
const opt = new tp.optim.Adam(list.parameters());
// @ts-expect-error internal field
y._h;
// @ts-expect-error internal field
y._node;
// @ts-expect-error internal field
y._st;
// @ts-expect-error internal method
y._view([2], [1], 0);
// @ts-expect-error internal method
list._slots();
// @ts-expect-error a plain Module takes one tensor
new Block().call(y, y);
// @ts-expect-error forward of another signature must say so in Module's type parameters
class Bad extends tp.nn.Module { forward(a: T, b: T): T { return tp.add(a, b); } }
export { j, s, opt, Bad };
`;

function compile(): { diagnostics: string[]; checker: ts.TypeChecker; file: ts.SourceFile } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapeflow-dts-'));
  const file = path.join(dir, 'consumer.ts');
  fs.writeFileSync(file, CONSUMER);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.relative(ROOT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  const sf = program.getSourceFile(file)!;
  fs.rmSync(dir, { recursive: true, force: true });
  return { diagnostics, checker: program.getTypeChecker(), file: sf };
}

describe('published type declarations', () => {
  test('a user program type-checks against dist/*.d.ts; internals are hidden', () => {
    if (!fs.existsSync(path.join(DIST, 'index.d.ts')))
      throw new Error(`The type tests need the compiled package, but ${path.join(DIST, 'index.d.ts')} does not exist. Run \`npm run build:ts\`, then rerun the tests.`);
    const { diagnostics, checker, file } = compile();
    expect(diagnostics).toEqual([]);
    // every member of Tensor and Module a user sees, methods attached by the op files included
    const members = (name: string): string[] => {
      let found: string[] = [];
      const visit = (n: ts.Node): void => {
        if (ts.isVariableDeclaration(n) && n.name.getText(file) === name && n.initializer)
          found = checker.getPropertiesOfType(checker.getTypeAtLocation(n.name)).map((p) => p.name);
        ts.forEachChild(n, visit);
      };
      visit(file);
      return found;
    };
    const tensorMembers = members('y');
    expect(tensorMembers).toEqual(expect.arrayContaining(['shape', 'dtype', 'grad', 'backward', 'toJSON', 'add']));
    expect(tensorMembers.filter((n) => n.startsWith('_') && !n.startsWith('__@'))).toEqual([]);
    const moduleMembers = members('list');
    expect(moduleMembers).toEqual(expect.arrayContaining(['parameters', 'append', 'length']));
    expect(moduleMembers.filter((n) => n.startsWith('_') && !n.startsWith('__@'))).toEqual([]);
  });
});
