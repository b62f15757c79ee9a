#!/usr/bin/env bash
# Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/ (the
# normal build/ is untouched) and runs the jest suite on that build.
#
#   scripts/sanitize.sh                      build, then run the whole suite
#   scripts/sanitize.sh test/core.test.ts …  build, then run these test files only
#   SANITIZE_SKIP_BUILD=1 scripts/sanitize.sh …   reuse the last build-asan/
#
# Any ASan report (out-of-bounds access, use after free, double free) or UBSan report
# (overflowing signed arithmetic, out-of-range float -> int conversion, misaligned or null
# access, …) aborts the process at once (-fno-sanitize-recover), so the test that triggered
# it fails; the report is on stderr. Leak detection is off: node itself does not free
# everything at exit. node is not instrumented, so libasan is preloaded to come first.
# Slow: a full build takes several minutes on 2 cores and the suite runs ~3-10x slower.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${TAPEFLOW_ASAN_DIR:-build-asan}
# float-cast-overflow (NaN or out-of-range float -> int) is not part of gcc's "undefined" group
SAN="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow -fno-omit-frame-pointer"

if [ -z "${SANITIZE_SKIP_BUILD:-}" ]; then
  echo "== building the addon with ASan + UBSan into $OUT/"
  # CMAKE_CXX_FLAGS_RELEASE replaces the default -O3 -DNDEBUG (CMakeLists.txt adds -O3 after it).
  # configure every time (cheap): `compile` alone keeps the flags of an existing build dir.
  flags=(--out "$OUT" --CDCMAKE_CXX_FLAGS_RELEASE="-g $SAN" --CDCMAKE_SHARED_LINKER_FLAGS="$SAN")
  npx cmake-js configure "${flags[@]}"
  npx cmake-js build "${flags[@]}" -p "${SANITIZE_JOBS:-2}"
fi

ADDON="$PWD/$OUT/Release/tapeflow.node"
[ -f "$ADDON" ] || { echo "sanitize.sh: $ADDON was not built" >&2; exit 1; }
LIBASAN=$(g++ -print-file-name=libasan.so)
[ -f "$LIBASAN" ] || { echo "sanitize.sh: libasan.so not found (install the gcc sanitizer runtime)" >&2; exit 1; }

echo "== jest on $ADDON"
export TAPEFLOW_ADDON="$ADDON"
# Tests that need an address-space limit (ulimit -v) skip themselves: ASan reserves terabytes
# of shadow memory up front.
export TAPEFLOW_SANITIZER=1
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allow_user_segv_handler=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# Preloaded only into node (jest's workers and the tests' child processes inherit it through
# the environment of node, not of this shell's other tools).
LD_PRELOAD="$LIBASAN" node --expose-gc node_modules/jest/bin/jest.js --testTimeout=120000 "$@"
