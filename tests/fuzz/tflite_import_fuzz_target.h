// What the TFLite importer fuzzer does with one input, shared by the libFuzzer entry point and
// the corpus regression test: read and validate the bytes as a .tflite model, import what reads,
// and plan and write what imports; the .tnm file must then pass the runtime's own validator
// (aborting otherwise: the importer let through a graph the engine cannot hold, a finding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tinynas::fuzz {

struct TfliteImportOutcome {
  bool read = false;      // read_model accepted the bytes
  bool imported = false;  // ... and import_tflite too (then planned, written and validated)
  std::string error;      // the reader's or the importer's message
};

TfliteImportOutcome check_tflite_import_input(const uint8_t* data, size_t size);

}  // namespace tinynas::fuzz
