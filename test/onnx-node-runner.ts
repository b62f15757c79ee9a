// Runs one ONNX backend node test (model.onnx + test_data_set_0/{input,output}_*.pb) with
// tapeflow's loader: shared by test/onnx-node.test.ts and its count script.
import * as fs from 'fs';
import * as path from 'path';
import * as tp from '../lib';
import { onnxTypes } from '../lib/onnx/schema';
import { readTensor } from '../lib/onnx/tensor';

export const NODE_DIR = '/usr/share/libonnx-testdata/data/node';
export const RTOL = 1e-3;
export const ATOL = 1e-4;

/**
 * A test data file as a tensor. The suite stores BFLOAT16 values as their UINT16 bit patterns
 * (numpy has no bfloat16), as onnx's own runner expects: those are decoded as bfloat16 when the
 * model declares the value BFLOAT16.
 */
function readPb(file: string, declared?: string): tp.Tensor {
  const raw = onnxTypes().Tensor.decode(fs.readFileSync(file)) as unknown as Record<string, unknown>;
  if (declared === 'BFLOAT16' && raw.data_type === 4) raw.data_type = 16;
  const h = readTensor(raw, file);
  return tp.tensor(h.data, { dtype: h.dtype, shape: h.shape });
}

/** The model with its default-domain opset import rewritten (for ops unchanged since an older opset). */
function restamp(bytes: Buffer, opset: number): Buffer {
  const M = onnxTypes().Model;
  const m = M.toObject(M.decode(bytes)) as { opset_import: { domain?: string; version: number }[] };
  m.opset_import = m.opset_import.map((o) => (o.domain ? o : { domain: '', version: opset }));
  return Buffer.from(M.encode(M.fromObject(m)).finish());
}

/** null when the test passes, else why not. */
export function runNodeTest(name: string, restampOpset?: number): string | null {
  const dir = path.join(NODE_DIR, name);
  const set = path.join(dir, 'test_data_set_0');
  const files = fs.readdirSync(set).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const ins: tp.Tensor[] = [];
  const outs: tp.Tensor[] = [];
  try {
    const file = path.join(dir, 'model.onnx');
    const m = tp.onnx.load(restampOpset === undefined ? file : restamp(fs.readFileSync(file), restampOpset));
    for (const f of files) if (f.startsWith('input_')) ins.push(readPb(path.join(set, f), m.inputs[ins.length]?.onnxType));
    for (const f of files) if (f.startsWith('output_')) outs.push(readPb(path.join(set, f), m.outputs[outs.length]?.onnxType));
    const got = tp.noGrad(() => m.forward(...ins));
    const list = Array.isArray(got) ? got : [got];
    if (list.length !== outs.length) return `${list.length} outputs, expected ${outs.length}`;
    for (let i = 0; i < outs.length; i++) {
      const a = list[i];
      const b = outs[i];
      if (a.shape.join(',') !== b.shape.join(',')) return `output ${i}: shape [${a.shape}] vs [${b.shape}]`;
      const da = a.dataSync();
      const db = b.dataSync();
      for (let k = 0; k < db.length; k++) {
        const x = Number(da[k]);
        const y = Number(db[k]);
        if (Number.isNaN(y) ? !Number.isNaN(x) : !(x === y || Math.abs(x - y) <= ATOL + RTOL * Math.abs(y)))
          return `output ${i}[${k}]: ${x} vs ${y}`;
      }
    }
    m.dispose();
    for (const t of list) if (!t.isDisposed) t.dispose();
    return null;
  } catch (e) {
    return `${(e as Error).message}`.slice(0, 300);
  } finally {
    for (const t of [...ins, ...outs]) t.dispose();
  }
}

/** test_<snake op>… directories, for op type `op` (names of other ops sharing the prefix left out by the caller). */
export function testsFor(prefix: string): string[] {
  return fs.readdirSync(NODE_DIR).filter((d) => d === prefix || d.startsWith(prefix + '_')).sort();
}
