// libFuzzer entry point: arbitrary bytes into the TFLite reader, and every model it accepts
// through the writer and back. Built by tests/fuzz/CMakeLists.txt with TINYNAS_BUILD_FUZZERS=ON
// and clang; run with scripts/fuzz.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/tflite_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tinynas::fuzz::check_tflite_input(data, size);
  return 0;
}
