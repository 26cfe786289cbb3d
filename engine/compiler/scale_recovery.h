// Float scales back from a .tnm file, which keeps only what the kernels use: a weight scale from
// its requantization multiplier M = input_scale * weight_scale / output_scale (Q31 and shift).
// The float nearest M * output_scale / input_scale, or a neighbour of it, gives back exactly the
// stored multiplier, and that float is the one the model was written from. Used by the TFLite
// exporter and by fine-tuning a .tnm (quantization-aware scaling needs s_W(c)).
#pragma once

#include <cmath>

#include "engine/compiler/graph.h"
#include "engine/compiler/quantization.h"
#include "engine/runtime/model_reader.h"

namespace tinynas::compiler {

// How many float steps around the estimate the searches try (each way).
inline constexpr int kScaleSearchSteps = 64;

// The float at or next to `estimate` (up to kScaleSearchSteps steps each way) for which
// `reproduces` holds, nearest first; `estimate` itself when none does.
template <typename Reproduces>
float reproducing_float(float estimate, const Reproduces& reproduces) {
  float up = estimate;
  float down = estimate;
  for (int step = 0; step <= kScaleSearchSteps; ++step) {
    if (reproduces(up)) return up;
    if (reproduces(down)) return down;
    up = std::nextafter(up, HUGE_VALF);
    down = std::nextafter(down, 0.0f);
  }
  return estimate;
}

// The weight scale of one output channel (without a reproducing float, the nearest: the
// multiplier then differs in its low bits).
float recover_weight_scale(float input_scale, float output_scale, QuantizedMultiplier stored);

// Fills the per-channel scales of every weight tensor of `graph`, imported from `model` (the file
// keeps only the multipliers; import_model calls it).
void recover_channel_scales(const runtime::ModelView& model, Graph* graph);

}  // namespace tinynas::compiler
