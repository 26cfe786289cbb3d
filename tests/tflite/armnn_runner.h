// Runs .tflite files in Arm NN (TfLite parser, CpuRef backend) through armnn_run.py and the
// system python that Debian's pyarmnn is installed for: the independent runtime the TFLite
// tests check our files against. One model per process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinynas::tflite::testing {

// Why Arm NN cannot run here (no system python, pyarmnn not importable, no CpuRef), or empty.
std::string armnn_unavailable_reason();

struct ArmnnRun {
  int exit_code = -1;
  std::string messages;         // the runner's stdout and stderr
  std::vector<uint8_t> output;  // the raw values of the model's only output
};

// Runs `model_path` on `inputs` (raw values of the model's inputs, in the subgraph's order),
// using files in `work_dir` (which must exist).
ArmnnRun run_in_armnn(const std::string& model_path,
                      const std::vector<std::vector<uint8_t>>& inputs, const std::string& work_dir);

}  // namespace tinynas::tflite::testing
