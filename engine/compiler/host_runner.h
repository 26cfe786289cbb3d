// Runs a validated model on the host engine (the same runtime code the boards run) and times
// every op with a steady clock. The reference every board measurement is compared against.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiler/model_file.h"

namespace tinynas::compiler {

enum class InputPattern {
  kZeros,         // every input byte 0
  kPseudoRandom,  // xorshift32 bytes from a seed: the same pattern the firmware runner makes
  kBytes,         // caller-supplied bytes
};

struct HostRunOptions {
  InputPattern pattern = InputPattern::kZeros;
  uint32_t seed = 1;
  std::vector<int8_t> input;  // kBytes: exactly the input tensor's size
  int iterations = 1;         // >= 1; per-op times are the minimum over iterations
};

struct HostRunResult {
  std::vector<int8_t> output;
  std::vector<double> op_seconds;  // per op, minimum over iterations
  double total_seconds = 0.0;      // sum of op_seconds
  uint32_t arena_bytes = 0;        // the model's planned arena
  uint32_t scratch_bytes = 0;
};

// Fills `input` with the pattern the runner firmware produces for (kPseudoRandom, seed), so a
// board run and a host run of the same model see the same bytes.
void fill_pseudo_random(int8_t* input, uint32_t size, uint32_t seed);

// Throws std::runtime_error naming the model's origin when an input has the wrong size or the
// interpreter refuses the model.
HostRunResult run_on_host(const LoadedModel& model, const HostRunOptions& options = {});

}  // namespace tinynas::compiler
