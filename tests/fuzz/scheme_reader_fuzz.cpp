// libFuzzer entry point: arbitrary bytes into the tinynas-scheme/1 reader, and every scheme it
// accepts through its writer, the resolution against a model and the training planner. Built by
// tests/fuzz/CMakeLists.txt with TINYNAS_BUILD_FUZZERS=ON and clang; run with scripts/fuzz.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/scheme_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tinynas::fuzz::check_scheme_input(data, size);
  return 0;
}
