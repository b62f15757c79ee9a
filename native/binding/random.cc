#include "common.h"

namespace tf {

void registerRandom(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
