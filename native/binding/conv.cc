// Entry points of the conv family (issue 9): prepare on the JS thread, run through ex.run.
#include "device.h"

namespace tf {

void registerConv(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
