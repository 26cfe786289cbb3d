// libFuzzer entry point: arbitrary bytes into the .tnm validator, and every model that passes
// into the interpreter. Built by tests/fuzz/CMakeLists.txt with TINYNAS_BUILD_FUZZERS=ON and
// clang; run with scripts/fuzz.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/model_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tinynas::fuzz::check_model_input(data, size);
  return 0;
}
