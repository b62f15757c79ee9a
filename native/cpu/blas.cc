#include "blas.h"

#include <cblas.h>

namespace tf {
void blasSetNumThreads(int n) { openblas_set_num_threads(n); }
int blasGetNumThreads() { return openblas_get_num_threads(); }
std::string blasCoreName() {
  const char* c = openblas_get_corename();
  return c ? c : "unknown";
}
std::string blasConfig() {
  const char* c = openblas_get_config();
  return c ? c : "unknown";
}
}  // namespace tf
