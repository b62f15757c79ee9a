// Rich display in tslab notebooks: t.show() / tp.show(x) send HTML (tensors) or SVG (plots)
// through tslab's display when the code runs under tslab's executor, which sets
// globalThis.__tslab__ = { exports, require } and hooks require('tslab') to itself; anywhere
// else they print text. tslab is never a dependency: it is reached only through that hook.
import { Tensor } from '../tensor';
import { formatTensor, toHTML } from '../format';

export interface TslabDisplay {
  html(s: string): void;
  svg(s: string): void;
  text(s: string): void;
}

interface TslabModule {
  display?: TslabDisplay;
  newDisplay?: () => TslabDisplay;
}

/** tslab's module when running under its kernel, else null. */
function tslab(): TslabModule | null {
  const g = (globalThis as { __tslab__?: { require?: unknown } }).__tslab__;
  if (g === null || typeof g !== 'object' || typeof g.require !== 'function') return null;
  try {
    const m = (g.require as (id: string) => unknown)('tslab') as TslabModule | null;
    return m && typeof m === 'object' && m.display && typeof m.display.html === 'function' ? m : null;
  } catch {
    return null;
  }
}

/** tslab's display, or null outside tslab. */
export function tslabDisplay(): TslabDisplay | null {
  return tslab()?.display ?? null;
}

/** A display that is overwritten in place on each call (tslab's newDisplay), or null outside tslab. */
export function tslabNewDisplay(): TslabDisplay | null {
  const m = tslab();
  return m && typeof m.newDisplay === 'function' ? m.newDisplay() : null;
}

/** Something show() can draw: a tensor, or any object with toSVG() (a tp.plot figure). */
interface SvgLike {
  toSVG(): string;
  toString(): string;
}

function isSvgLike(x: unknown): x is SvgLike {
  return x !== null && typeof x === 'object' && typeof (x as SvgLike).toSVG === 'function';
}

/**
 * Shows x: under tslab a tensor as its HTML table and a figure (tp.plot) as SVG, anything else
 * as text; outside tslab prints the text form (console.log). Returns nothing, so tslab does not
 * print the value a second time.
 */
export function show(x: unknown): void {
  const d = tslabDisplay();
  if (x instanceof Tensor) {
    if (d) d.html(toHTML(x));
    else console.log(formatTensor(x));
  } else if (isSvgLike(x)) {
    if (d) d.svg(x.toSVG());
    else console.log(x.toString());
  } else if (d) d.text(typeof x === 'string' ? x : String(x));
  else console.log(x);
}

declare module '../tensor' {
  interface Tensor {
    /** Shows the tensor: an HTML table under tslab, the printed text elsewhere (see tp.show). */
    show(): void;
  }
}
Tensor.prototype.show = function (this: Tensor): void {
  show(this);
};
