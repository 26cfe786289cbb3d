// What the model-validator fuzzer does with one input, shared by the libFuzzer entry point and
// the corpus regression test: validate the bytes as they are, then again with the CRC-32
// recomputed (so mutations reach the structural checks instead of stopping at the checksum),
// and run every model that passes on an arena of exactly the declared size; a training model
// (format version 3) whose training section passes validate_training also trains one step.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/runtime/status.h"

namespace tinynas::fuzz {

// Models declaring more arena or scratch than this are validated but not run.
inline constexpr uint32_t kMaxFuzzArenaBytes = 4u << 20;

struct FuzzOutcome {
  runtime::Status as_given = runtime::Status::kOk;   // the bytes as they are
  runtime::Status crc_fixed = runtime::Status::kOk;  // with the header CRC recomputed
  bool ran = false;                                  // a model passed and was invoked
  bool trained = false;  // a training model passed validate_training and ran a step
};

// Aborts (a fuzzer finding) if a model that passed validation is refused by the interpreter or,
// with a valid training section, by the training executor.
FuzzOutcome check_model_input(const uint8_t* data, size_t size);

}  // namespace tinynas::fuzz
