#!/usr/bin/env bash
# npm run test:notebook: executes examples/notebook.ipynb in the tslab (TypeScript) kernel with
# `jupyter nbconvert --to notebook --execute` and checks that the outputs hold an HTML tensor
# (text/html, from t.show()) and an SVG plot (image/svg+xml, from tp.plot) and no error.
# Needs jupyter (Debian: jupyter-nbconvert jupyter-client python3-ipykernel) and the tslab
# devDependency. The kernelspec goes to a temporary prefix (JUPYTER_PATH), pointing at this
# checkout's tslab, so nothing is installed system-wide. The notebook imports '..' (the package
# root, as the other examples do): dist/ is built first when it is missing or older than lib/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v jupyter >/dev/null || ! jupyter nbconvert --version >/dev/null 2>&1; then
  echo "test:notebook: jupyter nbconvert not found (apt-get install jupyter-nbconvert jupyter-client python3-ipykernel)" >&2
  exit 1
fi
PY=$(command -v /usr/bin/python3 || command -v python3)

if [ ! -f dist/index.js ] || [ -n "$(find lib -name '*.ts' -newer dist/index.js -print -quit)" ]; then
  echo "== building dist/ (tsc)"
  # typescript's own tsc: tslab's TypeScript fork also installs a `tsc` into node_modules/.bin
  node node_modules/typescript/bin/tsc -p tsconfig.json
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node node_modules/tslab/bin/tslab install --python="$PY" --binary="$PWD/node_modules/.bin/tslab" --prefix="$tmp/prefix" >/dev/null
export JUPYTER_PATH="$tmp/prefix/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
[ -f "$JUPYTER_PATH/kernels/tslab/kernel.json" ] || [ -f "$tmp/prefix/share/jupyter/kernels/tslab/kernel.json" ] || {
  echo "test:notebook: tslab install did not write a kernelspec under $tmp/prefix" >&2
  exit 1
}

echo "== jupyter nbconvert --execute examples/notebook.ipynb (kernel tslab)"
jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=tslab \
  --ExecutePreprocessor.timeout=300 --output-dir "$tmp" --output executed.ipynb examples/notebook.ipynb

"$PY" - "$tmp/executed.ipynb" <<'PYEOF'
import json, sys
nb = json.load(open(sys.argv[1]))
mimes, errors, streams = set(), [], []
for i, c in enumerate(nb['cells']):
    for o in c.get('outputs', []):
        if o['output_type'] == 'error':
            errors.append('cell %d: %s: %s' % (i, o.get('ename'), o.get('evalue')))
        elif o['output_type'] == 'stream':
            if o.get('name') == 'stderr':
                errors.append('cell %d stderr: %s' % (i, ''.join(o['text'])[:500]))
            streams.append(''.join(o['text']))
        else:
            mimes.update(o.get('data', {}).keys())
missing = [m for m in ('text/html', 'image/svg+xml') if m not in mimes]
if not any('tensor(' in s for s in streams):
    missing.append('a printed tensor (stdout)')
if errors or missing:
    print('test:notebook FAILED:', '; '.join(errors + ['missing ' + m for m in missing]))
    sys.exit(1)
html = sum(1 for c in nb['cells'] for o in c.get('outputs', []) if 'text/html' in o.get('data', {}))
svg = sum(1 for c in nb['cells'] for o in c.get('outputs', []) if 'image/svg+xml' in o.get('data', {}))
print('test:notebook OK: %d cells ran, %d text/html and %d image/svg+xml outputs, no errors' % (len(nb['cells']), html, svg))
PYEOF
