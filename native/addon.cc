// Module registration only: the export table. Feature code lives in binding/*.cc.
#include "binding/common.h"

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tf::registerStorage(env, exports);
  tf::registerTrack(env, exports);  // needs registerStorage's per-environment state
  tf::registerCopy(env, exports);
  tf::registerElementwise(env, exports);
  tf::registerReduce(env, exports);
  tf::registerMatmul(env, exports);
  tf::registerLinalg(env, exports);
  tf::registerIndex(env, exports);
  tf::registerRandom(env, exports);
  tf::registerOptim(env, exports);
  tf::registerLoss(env, exports);
  tf::registerDevice(env, exports);
  tf::registerSort(env, exports);
  tf::registerConv(env, exports);
  tf::registerPool(env, exports);
  tf::registerNorm(env, exports);
  tf::registerGemm(env, exports);
  tf::registerRnn(env, exports);
  tf::registerEmbed(env, exports);
  tf::registerIo(env, exports);
  return exports;
}

NODE_API_MODULE(tapeflow, Init)
