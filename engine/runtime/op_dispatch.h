// One op of a validated model run by its kernel (kernels.h) on the caller's arena: the dispatch
// the interpreter uses op by op, and the training executor for its forward ops (whose trained
// layers read their weights and bias from the arena instead of the constant pool).
#pragma once

#include <stdint.h>

#include "engine/runtime/model_reader.h"

namespace tinynas::runtime {

// The weights and bias a conv / depthwise / fully connected op computes with.
struct LayerParameters {
  const int8_t* filter = nullptr;
  const int32_t* bias = nullptr;
};

// The op's own parameters in the model's constant pool (null for an op without weights).
LayerParameters model_parameters(const ModelView& model, const OpInfo& op);

// Runs `op` (not part of a fused group, patch or streamed stage) with its tensors at their arena
// offsets; an in-place depthwise op uses `scratch`.
void run_single_op(const ModelView& model, const OpInfo& op, uint8_t* arena, int8_t* scratch,
                   const LayerParameters& parameters);

}  // namespace tinynas::runtime
