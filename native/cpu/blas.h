// The one place that includes cblas.h/LAPACK prototypes; kernels use these wrappers.
#pragma once
#include <string>

namespace tf {
void blasSetNumThreads(int n);
int blasGetNumThreads();
std::string blasCoreName();
std::string blasConfig();
}  // namespace tf
