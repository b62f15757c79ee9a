#include "common.h"

namespace tf {

void registerLinalg(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
