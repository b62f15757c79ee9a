// A strict JSON reader for safetensors headers. JSON.parse cannot be used: it keeps the last of
// two equal keys silently (a header could then name one tensor twice), rounds integers above
// 2^53 to a nearby value (a shape could then pass the size check) and has no depth limit of
// ours. Errors are thrown as JsonError and turned into ERR_FORMAT by the caller.

export class JsonError extends Error {}

/** An integer too large to be held exactly (above 2^53 − 1); kept as written for the message. */
export class BigInteger {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | number | string | BigInteger | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INTEGER = /^-?\d+$/;

/** Parses `text` (already decoded from UTF-8); throws JsonError naming the position of the fault. */
export function parseStrictJson(text: string): JsonValue {
  let i = 0;
  const n = text.length;
  const err = (what: string): never => {
    throw new JsonError(`${what} at byte ${i} of the header`);
  };
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const str = (): string => {
    // i is at the opening quote
    let out = '';
    let start = ++i;
    for (;;) {
      if (i >= n) err('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i++);
        return out;
      }
      if (c < 0x20) err('control character in a string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) err('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else err('bad escape');
        start = i;
      } else i++;
    }
  };
  const value = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) err(`nesting deeper than ${MAX_DEPTH}`);
    ws();
    if (i >= n) err('unexpected end');
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: JsonObject = Object.create(null);
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') err('expected a string key');
        const key = str();
        if (seen.has(key)) err(`duplicate key ${JSON.stringify(key.length > 60 ? key.slice(0, 60) + '…' : key)}`);
        seen.add(key);
        ws();
        if (text[i] !== ':') err("expected ':'");
        i++;
        obj[key] = value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else err("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else err("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) err('unexpected character');
    const tok = (m as RegExpExecArray)[0];
    i += tok.length;
    const v = Number(tok);
    if (INTEGER.test(tok) && !Number.isSafeInteger(v)) return new BigInteger(tok);
    return v;
  };
  const v = value(0);
  ws();
  if (i !== n) err('trailing characters after the JSON value');
  return v;
}
