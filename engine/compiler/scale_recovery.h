// Real-valued scales back from a .tnm file, which keeps only what the kernels use: the weight
// scale of an output channel from its requantization multiplier M = input_scale * weight_scale /
// output_scale (Q31 and shift). The float nearest M * output_scale / input_scale, or a neighbour
// of it, gives back exactly the stored multiplier, and that float is the one the model was
// written from; without one, the nearest (the multiplier then differs in its low bits).
#pragma once

#include <cmath>
#include <cstdint>

#include "engine/compiler/quantization.h"

namespace tinynas::compiler {

// How many float steps around the estimate reproducing_float tries (each way).
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

float recover_weight_scale(float input_scale, float output_scale, QuantizedMultiplier stored);

}  // namespace tinynas::compiler
