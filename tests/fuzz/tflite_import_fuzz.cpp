// libFuzzer entry point: arbitrary bytes through the TFLite reader, validator and importer, and
// every model that imports through the planner, the .tnm writer and the runtime's validator.
// Built by tests/fuzz/CMakeLists.txt with TINYNAS_BUILD_FUZZERS=ON and clang; run with
// scripts/fuzz SECONDS tflite_import.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/tflite_import_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tinynas::fuzz::check_tflite_import_input(data, size);
  return 0;
}
