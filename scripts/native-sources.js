// Lists the native C++ sources for binding.gyp (node-gyp cannot glob) — CMakeLists.txt
// globs the same folders, so adding a file never means editing two build files.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const dirs = ['native', 'native/core', 'native/cpu', 'native/cpu/gemm', 'native/binding'];
const files = [];
for (const d of dirs) {
  for (const f of fs.readdirSync(path.join(root, d)).sort()) {
    if (f.endsWith('.cc')) files.push(`${d}/${f}`);
  }
}
process.stdout.write(files.join(' '));
