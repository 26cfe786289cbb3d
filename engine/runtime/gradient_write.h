// The start of an input-gradient kernel's write (training_kernels.h, GradientWrite): with
// kOverwrite the buffer is zeroed first, so every kernel then only adds its terms.
#pragma once

#include <stdint.h>

#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

inline void begin_gradient_write(GradientWrite write, float* gradient, int32_t size) {
  if (write != GradientWrite::kOverwrite) return;
  for (int32_t i = 0; i < size; ++i) gradient[i] = 0.0f;
}

// True where an int8 output lies strictly inside its clamp range, i.e. where the gradient passes.
inline bool inside_clamp(int32_t value, int32_t activation_min, int32_t activation_max) {
  return value > activation_min && value < activation_max;
}

}  // namespace tinynas::runtime
