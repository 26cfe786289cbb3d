// Runs a TFLite model in Arm NN (TfLite parser, CpuRef backend) through tests/tflite/armnn_run.py
// and the system python that Debian's pyarmnn is installed for: an independent runtime for
// checking our files and our engine.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "tflite/model.h"

namespace tinynas::tflite::testing {

// Why Arm NN cannot run here, or empty when it can.
std::string armnn_unavailable_reason();

struct ArmnnResult {
  int exit_code = -1;
  std::string log;             // the runner's output (errors)
  std::vector<uint8_t> bytes;  // the output tensor's raw values
};

// Writes the model with our writer into `directory` and runs it on `input_bytes` (raw values of
// the model's input type).
ArmnnResult run_model_in_armnn(const Model& model, const std::vector<uint8_t>& input_bytes,
                               const std::string& directory);

// Runs the model file at `model_path` on `inputs` (raw values of the model's inputs, in the
// subgraph's order), with its files in `directory`.
ArmnnResult run_file_in_armnn(const std::string& model_path,
                              const std::vector<std::vector<uint8_t>>& inputs,
                              const std::string& directory);

template <typename T>
std::vector<uint8_t> raw_bytes(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

template <typename T>
std::vector<T> values_of(const std::vector<uint8_t>& bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return values;
}

}  // namespace tinynas::tflite::testing
