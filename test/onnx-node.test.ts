// ONNX backend node tests (Debian's libonnx-testdata) for every operator tapeflow claims:
// each test's model.onnx run by tp.onnx.load on its stored inputs, compared with its stored
// outputs (|got - want| <= 1e-4 + 1e-3 |want|). The pass / attempted counts per operator are
// kept in test/onnx-node-table.ts; fewer passes than recorded fails. The tests that do not
// pass are outside what tapeflow reads: opsets below 7 (test_elu, test_softplus, test_not_*,
// test_hardsigmoid, test_global*pool: opset 1 or 6; run re-stamped below), training-mode Dropout with ratio > 0 (its random draws differ), STRING and
// BFLOAT16 casts, sequence / optional values (test_identity_opt / _sequence), Loop (Range's
// expanded tests).
import * as fs from 'fs';
import { NODE_DIR, runNodeTest } from './onnx-node-runner';
import { CLAIMED, testsOf } from './onnx-node-table';
import { tp } from './helpers';

const present = fs.existsSync(NODE_DIR);

test('the ONNX node tests are installed', () => {
  if (!present) throw new Error(`${NODE_DIR} is missing: install Debian's libonnx-testdata (apt-get install libonnx-testdata; .ci/run does)`);
});

test('every claimed operator is one tp.onnx runs', () => {
  const ops = new Set(tp.onnx.supportedOps());
  for (const op of Object.keys(CLAIMED)) expect(ops.has(op)).toBe(true);
});

// These operators' node tests were written at opset 1 or 6, below what tapeflow reads; their
// definitions did not change up to opset 7 (Elu, HardSigmoid, Softplus, Not, Global*Pool), so
// the same files re-stamped as opset 7 must pass.
const RESTAMPED = ['Elu', 'HardSigmoid', 'Softplus', 'Not', 'GlobalAveragePool', 'GlobalMaxPool'];

(present ? describe : describe.skip)('ONNX node tests written below opset 7, re-stamped as opset 7', () => {
  for (const op of RESTAMPED) {
    test(op, () => {
      const tests = testsOf(op);
      expect(tests.length).toBe(CLAIMED[op][2]);
      const failures = tests.map((t) => [t, runNodeTest(t, 7)]).filter(([, why]) => why !== null);
      expect(failures).toEqual([]);
    });
  }
});

(present ? describe : describe.skip)('ONNX node tests per operator', () => {
  for (const [op, [, passed, attempted]] of Object.entries(CLAIMED)) {
    test(`${op}: ${passed} / ${attempted}`, () => {
      const tests = testsOf(op);
      const failures: string[] = [];
      for (const t of tests) {
        const why = runNodeTest(t);
        if (why !== null) failures.push(`${t}: ${why}`);
      }
      const got = tests.length - failures.length;
      if (got < passed) throw new Error(`${op}: ${got} / ${tests.length} pass, ${passed} expected:\n${failures.join('\n')}`);
      expect(tests.length).toBe(attempted);
      expect(got).toBe(passed);
    });
  }
});
