// Builds small TF.js layers models (model.json object + weight bytes) for the tfjs tests.
import { rng, randArray } from './helpers';

export interface W {
  name: string;
  shape: number[];
  /** the values (float32 storage), or with quant the dequantised values the file encodes */
  data: number[];
  quant?: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
  /** raw stored codes for quantised weights */
  codes?: number[];
}

export type LayerSpec = [className: string, name: string, config: Record<string, unknown>, inbound: string[]];

/** A functional model config from [class, name, config, inbound layer names] rows. */
export function functional(rows: LayerSpec[], inputs: string[], outputs: string[]): Record<string, unknown> {
  return {
    class_name: 'Model',
    config: {
      name: 'm',
      layers: rows.map(([c, n, cfg, ins]) => ({
        class_name: c, name: n, config: { name: n, ...cfg },
        inbound_nodes: c === 'InputLayer' ? [] : [ins.map((i) => [i, 0, 0, {}])],
      })),
      input_layers: inputs.map((i) => [i, 0, 0]),
      output_layers: outputs.map((o) => [o, 0, 0]),
    },
  };
}

/** A random float32 weight; seeded. */
export function rand(name: string, shape: number[], seed: number, lo = -1, hi = 1): W {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, data: randArray(n, rng(seed), lo, hi).map(Math.fround) };
}

/** A uint8 / uint16 quantised weight with the given codes; data = codes·scale + min (float32). */
export function quant(name: string, shape: number[], dtype: 'uint8' | 'uint16', seed: number, scale: number, min: number): W {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const top = dtype === 'uint8' ? 256 : 65536;
  const codes = Array.from({ length: n }, () => Math.floor(r() * top));
  return { name, shape, quant: dtype, scale, min, codes, data: codes.map((q) => Math.fround(q * scale + min)) };
}

/** model.json + the concatenated weight bytes (one shard 'w.bin'). */
export function build(topology: Record<string, unknown>, weights: W[]): { json: Record<string, unknown>; bytes: Buffer } {
  const parts: Buffer[] = [];
  const specs = weights.map((w) => {
    if (w.quant === undefined) {
      const b = Buffer.alloc(4 * w.data.length);
      w.data.forEach((v, i) => b.writeFloatLE(v, 4 * i));
      parts.push(b);
      return { name: w.name, shape: w.shape, dtype: 'float32' };
    }
    const codes = w.codes!;
    const b = Buffer.alloc((w.quant === 'uint8' ? 1 : 2) * codes.length);
    codes.forEach((q, i) => (w.quant === 'uint8' ? b.writeUInt8(q, i) : b.writeUInt16LE(q, 2 * i)));
    parts.push(b);
    return { name: w.name, shape: w.shape, dtype: 'float32', quantization: w.quant === 'float16' ? { dtype: 'float16' } : { dtype: w.quant, scale: w.scale, min: w.min } };
  });
  return { json: { format: 'layers-model', modelTopology: { model_config: topology }, weightsManifest: [{ paths: ['w.bin'], weights: specs }] }, bytes: Buffer.concat(parts) };
}
