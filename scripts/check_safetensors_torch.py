# Checks that PyTorch reads the safetensors files tapeflow writes. Run from the repo root:
#
#   SAFETENSORS_OUT=/tmp/tapeflow-st node --expose-gc node_modules/jest/bin/jest.js test/io-torch.test.ts
#   /usr/bin/python3 scripts/check_safetensors_torch.py /tmp/tapeflow-st
#
# (or with no argument: it runs the jest command itself into a temporary directory). The test leaves there the
# files tapeflow wrote (every dtype, 0-d, empty, a strided view, F16/BF16 on request, the state dicts of the
# torch-twin models of test/fixtures/gen_safetensors.py) and expected.json with their values as plain JSON.
#
# The reader below follows the format's specification and uses neither tapeflow nor the safetensors package
# (Debian has none): it checks the framing as the reference does (header length, 8-byte alignment, offsets that
# tile the data section), builds each tensor with torch.frombuffer, and compares values. For the F16/BF16 files
# it checks the bits equal torch's own rounding of the float32 values. For each model it loads our state dict
# into the torch model (strict load_state_dict) and compares the output to tapeflow's.
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures'))
from gen_safetensors import MODELS  # noqa: E402  (the same torch models the fixtures came from)

DTYPES = {'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
          'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8,
          'BOOL': torch.bool}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL', what)


def read_safetensors(path):
    data = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', data[:8])
    check((8 + n) % 8 == 0, f'{path}: header not padded to 8 bytes')
    header = json.loads(data[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', None)
    body = data[8 + n:]
    pos = 0
    out = {}
    for name, e in sorted(header.items(), key=lambda kv: kv[1]['data_offsets']):
        b, end = e['data_offsets']
        check(b == pos, f'{path}: {name} does not start where the previous tensor ended')
        dt = DTYPES[e['dtype']]
        nbytes = end - b
        if nbytes == 0:
            t = torch.empty(e['shape'], dtype=dt)
        else:
            t = torch.frombuffer(bytearray(body[b:end]), dtype=dt).reshape(e['shape'])
        check(t.numel() * t.element_size() == nbytes, f'{path}: {name} size')
        out[name] = (e['dtype'], t)
        pos = end
    check(pos == len(body), f'{path}: data section has trailing bytes')
    return out, meta


def tensor_of(spec, dtype=None):
    tdt = {'float32': torch.float32, 'float64': torch.float64, 'int32': torch.int32, 'bool': torch.bool}
    return torch.tensor(spec['data'], dtype=dtype or tdt[spec['dtype']]).reshape(spec['shape'])


def main():
    if len(sys.argv) > 1:
        d = sys.argv[1]
    else:
        d = tempfile.mkdtemp(prefix='tapeflow-st-')
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
        subprocess.run(['node', '--expose-gc', 'node_modules/jest/bin/jest.js', 'test/io-torch.test.ts'], cwd=root,
                       env={**os.environ, 'SAFETENSORS_OUT': d}, check=True)
    exp = json.load(open(os.path.join(d, 'expected.json')))
    checked = 0
    wire = {'float32': 'F32', 'float64': 'F64', 'int32': 'I32', 'bool': 'BOOL', 'float16': 'F16', 'bfloat16': 'BF16'}
    for fname, spec in exp['files'].items():
        tensors, meta = read_safetensors(os.path.join(d, fname))
        check(meta == spec.get('metadata'), f'{fname}: metadata {meta}')
        check(set(tensors) == set(spec['tensors']), f'{fname}: names {sorted(tensors)}')
        for name, ts in spec['tensors'].items():
            st_dtype, t = tensors[name]
            check(st_dtype == wire[ts['dtype']], f'{fname}:{name}: dtype {st_dtype}')
            check(list(t.shape) == ts['shape'], f'{fname}:{name}: shape {list(t.shape)}')
            if ts['dtype'] in ('float16', 'bfloat16'):
                want = torch.tensor(ts['data'], dtype=torch.float32).reshape(ts['shape']).to(t.dtype)
                same = torch.equal(t.view(torch.int16), want.view(torch.int16))
                check(same, f'{fname}:{name}: {ts["dtype"]} bits differ from torch rounding')
            else:
                want = tensor_of(ts)
                check(torch.equal(t, want), f'{fname}:{name}: values {t.tolist()} != {want.tolist()}')
            checked += 1
    for spec in MODELS:
        name = spec['name']
        if name not in exp['models']:
            check(False, f'model {name}: not written by the tapeflow test')
            continue
        tensors, _ = read_safetensors(os.path.join(d, f'{name}.safetensors'))
        m = spec['build']()
        sd = {k: t for k, (_, t) in tensors.items()}
        m.load_state_dict(sd, strict=True)  # int32 num_batches_tracked copies into torch's int64 buffer
        m.eval()
        x = tensor_of(exp['models'][name]['input'])
        with torch.no_grad():
            y = m(x)
        want = torch.tensor(exp['models'][name]['output']['data']).reshape(exp['models'][name]['output']['shape'])
        ok = torch.allclose(y, want, rtol=1e-5, atol=1e-5)
        check(ok, f'model {name}: torch output differs from tapeflow (max {float((y - want).abs().max())})')
        checked += 1
    print(f'checked {checked} tensors/models in {d}: {"OK" if not failures else f"{len(failures)} FAILED"}')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
