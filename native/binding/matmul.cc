#include "common.h"

namespace tf {

void registerMatmul(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
