// `npm run build:cuda`: the addon with the CUDA backend, through cmake-js, into build-cuda/.
// Finds nvcc (CUDACXX, CUDA_HOME/CUDA_PATH, /usr/local/cuda, PATH) and says what to do when
// there is none. The CPU build (npm install) stays as it is; the loader prefers this one
// when a GPU is present (lib/core/native.ts).
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function findNvcc() {
  const candidates = [
    process.env.CUDACXX,
    process.env.CUDA_HOME && path.join(process.env.CUDA_HOME, 'bin', 'nvcc'),
    process.env.CUDA_PATH && path.join(process.env.CUDA_PATH, 'bin', 'nvcc'),
    '/usr/local/cuda/bin/nvcc',
  ].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const nvcc = findNvcc();
if (!nvcc) {
  console.error(
    'tapeflow: build:cuda needs the CUDA toolkit (nvcc), and none was found.\n' +
      'Install it (https://developer.nvidia.com/cuda-downloads) or set CUDA_HOME / CUDACXX, then rerun `npm run build:cuda`.',
  );
  process.exit(1);
}
const root = path.join(__dirname, '..');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const args = [cmakeJs, 'compile', '--out', 'build-cuda', '--CDTAPEFLOW_CUDA=ON', `--CDCMAKE_CUDA_COMPILER=${nvcc}`];
if (process.env.TAPEFLOW_CUDA_ARCHS) args.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.TAPEFLOW_CUDA_ARCHS}`);
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
