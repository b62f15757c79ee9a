// Kernels report failure by throwing tf::Error; the binding layer turns it into a
// JS TapeflowError carrying `code`. Nothing in native/ may abort the process.
#pragma once
#include <stdexcept>
#include <string>

namespace tf {

struct Error : std::runtime_error {
  std::string code;
  Error(std::string code_, const std::string& msg) : std::runtime_error(msg), code(std::move(code_)) {}
};

[[noreturn]] inline void fail(const char* code, const std::string& msg) { throw Error(code, msg); }

}  // namespace tf
