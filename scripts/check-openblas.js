// Stops the native build early with one actionable line when OpenBLAS is missing,
// instead of a wall of compiler errors about cblas.h.
const fs = require('fs');
const { execSync } = require('child_process');

function found() {
  const dirs = ['/usr/include', '/usr/local/include', '/usr/include/x86_64-linux-gnu', '/usr/include/aarch64-linux-gnu',
    '/usr/include/openblas', '/opt/homebrew/opt/openblas/include', '/usr/local/opt/openblas/include'];
  if (process.env.OPENBLAS_INCLUDE && fs.existsSync(`${process.env.OPENBLAS_INCLUDE}/cblas.h`)) return true;
  if (dirs.some((d) => fs.existsSync(`${d}/cblas.h`))) return true;
  try {
    execSync('pkg-config --exists openblas', { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (!found()) {
  console.error('tapeflow: OpenBLAS not found — install it first: `sudo apt-get install -y libopenblas-dev` (Debian/Ubuntu), ' +
    '`sudo dnf install openblas-devel` (Fedora) or `brew install openblas` (macOS), then run `npm install` again.');
  process.exit(1);
}
