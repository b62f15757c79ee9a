// Entry points of the rnn family (issue 10): prepare on the JS thread, run through ex.run.
#include "device.h"

namespace tf {

void registerRnn(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
