// t.show() / tp.show(x) / tp.plot: text outside tslab; under tslab (globalThis.__tslab__, faked
// here with a require hook that returns a recording display, as tslab's executor does) HTML
// for tensors and SVG for plots.
import { tp, expectThrowsCode } from './helpers';

interface Shown {
  id: number;
  type: string;
  body: string;
}

function fakeTslab(): { shown: Shown[]; restore: () => void } {
  const shown: Shown[] = [];
  let ids = 0;
  const make = (id: number) => ({
    html: (s: string) => shown.push({ id, type: 'text/html', body: s }),
    svg: (s: string) => shown.push({ id, type: 'image/svg+xml', body: s }),
    text: (s: string) => shown.push({ id, type: 'text/plain', body: s }),
  });
  const tslab = { display: make(0), newDisplay: () => make(++ids) };
  const g = globalThis as { __tslab__?: unknown };
  const prev = g.__tslab__;
  g.__tslab__ = { exports: {}, require: (id: string) => (id === 'tslab' ? tslab : require(id)) };
  return { shown, restore: () => (g.__tslab__ = prev) };
}

function captureLog(fn: () => void): string[] {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe('show', () => {
  test('outside tslab: the printed text, and nothing returned', () => {
    const t = tp.tensor([[1, 2], [3, 4]]);
    const lines = captureLog(() => {
      expect(t.show()).toBeUndefined();
      expect(tp.show(t)).toBeUndefined();
      tp.show('plain');
    });
    expect(lines).toEqual([String(t), String(t), 'plain']);
    t.dispose();
  });

  test('under tslab: the HTML table through tslab.display.html; a broken __tslab__ falls back to text', () => {
    const t = tp.arange(0, 6, 1).reshape([2, 3]);
    const fake = fakeTslab();
    try {
      const lines = captureLog(() => t.show());
      expect(lines).toEqual([]);
      expect(fake.shown).toEqual([{ id: 0, type: 'text/html', body: t.toHTML() }]);
      expect(fake.shown[0].body).toContain('<table');
    } finally {
      fake.restore();
    }
    const g = globalThis as { __tslab__?: unknown };
    g.__tslab__ = { require: () => { throw new Error('no tslab'); } };
    try {
      expect(captureLog(() => tp.show(t))).toEqual([String(t)]);
    } finally {
      delete g.__tslab__;
    }
    t.dispose();
  });
});

describe('plot', () => {
  test('SVG: one polyline per series, legend, escaped labels, NaN breaks the line, log scale', () => {
    const svg = tp.plot.svg({ train: [3, 2, 1.5, 1.2], 'test <b>': tp.tensor([3.5, 2.5, NaN, 1.9]) }, { title: 'loss & acc', xlabel: 'epoch' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2); // train, and test's first two points (the last one alone is a circle)
    expect(svg.match(/<circle/g)).toHaveLength(1);
    expect(svg).toContain('loss &amp; acc');
    expect(svg).toContain('test &lt;b&gt;');
    expect(svg).not.toContain('<b>');
    const pts = /points="([^"]+)"/.exec(svg)?.[1].split(' ').map((p) => p.split(',').map(Number)) ?? [];
    expect(pts).toHaveLength(4);
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i][0]).toBeGreaterThan(pts[i - 1][0]); // x grows
      expect(pts[i][1]).toBeGreaterThan(pts[i - 1][1]); // a falling loss goes down the screen (y grows)
    }
    const log = tp.plot.svg([1, 0.1, 0.01, 0, -1], { logY: true });
    expect(log.match(/points="([^"]+)"/)?.[1].split(' ')).toHaveLength(3); // non-positive values left out
    const ys = (log.match(/points="([^"]+)"/)?.[1] ?? '').split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys[1] - ys[0]).toBeCloseTo(ys[2] - ys[1], 5); // equal steps per decade
  });

  test('tp.plot shows SVG under tslab and a text summary elsewhere; a live plot redraws one display', () => {
    const lines = captureLog(() => expect(tp.plot([1, 0.5, 0.25], { title: 'loss' })).toBeUndefined());
    expect(lines).toEqual(['plot "loss"\n  y: 3 points, last 0.25 (min 0.25, max 1)']);
    const fake = fakeTslab();
    try {
      tp.plot({ a: [1, 2] });
      const live = tp.plot.live({ title: 'live', everyMs: 0 });
      for (let i = 0; i < 5; i++) live.push({ loss: 1 / (i + 1), acc: tp.tensor(i / 5) });
      live.show();
      expect(fake.shown[0].type).toBe('image/svg+xml');
      const liveShown = fake.shown.slice(1);
      expect(liveShown.length).toBe(6);
      expect(new Set(liveShown.map((s) => s.id)).size).toBe(1); // one display, updated in place
      expect(liveShown.every((s) => s.type === 'image/svg+xml')).toBe(true);
      expect(live.series.loss).toHaveLength(5);
      expect(liveShown[5].body.match(/<polyline/g)).toHaveLength(2);
    } finally {
      fake.restore();
    }
  });

  test('bad data is refused with the series named', () => {
    expectThrowsCode(() => tp.plot.svg({ a: [1, 'x'] } as never), 'ERR_ARGUMENT', /series 'a'\[1\]/);
    expectThrowsCode(() => tp.plot.svg(tp.ones([2, 2])), 'ERR_SHAPE', /1-D/);
    expectThrowsCode(() => tp.plot.svg(5 as never), 'ERR_ARGUMENT', /data must be/);
    expectThrowsCode(() => tp.plot.svg([1], { width: 5 }), 'ERR_ARGUMENT', /width/);
    expectThrowsCode(() => tp.plot.live().push('x' as never), 'ERR_ARGUMENT', /expected a number/);
    // empty and all-NaN series still draw axes
    expect(tp.plot.svg([])).toContain('</svg>');
    expect(tp.plot.svg([NaN, NaN])).not.toContain('<polyline');
  });
});
