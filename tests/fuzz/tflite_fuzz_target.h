// What the TFLite reader fuzzer does with one input, shared by the libFuzzer entry point and the
// corpus regression test: read the bytes; a model that reads is written, read back and written
// again, and must come back equal with identical bytes (aborting otherwise: a finding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tinynas::fuzz {

struct TfliteFuzzOutcome {
  bool read = false;           // read_model accepted the bytes
  bool round_tripped = false;  // ... and the model went through write/read/write unchanged
  std::string error;           // read_model's message when it refused the bytes
};

TfliteFuzzOutcome check_tflite_input(const uint8_t* data, size_t size);

}  // namespace tinynas::fuzz
