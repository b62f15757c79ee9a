#include "common.h"

namespace tf {

void registerIndex(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
