#include "common.h"

namespace tf {

void registerReduce(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
