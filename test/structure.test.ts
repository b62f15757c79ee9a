// Structure rules of the code base, checked on every `npm test`:
// - no import cycle in lib/ (madge, a devDependency, reads the TypeScript imports);
// - no source file in lib/ or native/ over 400 lines.
import * as fs from 'fs';
import * as path from 'path';

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
});
