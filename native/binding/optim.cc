#include "common.h"

namespace tf {

void registerOptim(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
