// What the backward kernels (training_kernels.h) share: the start of a gradient write, the clamp
// test of the output stage, and the walk over the output pixels and their windows.
#pragma once

#include <stdint.h>

#include "engine/runtime/training_kernels.h"
#include "engine/runtime/window_span.h"

namespace tinynas::runtime {

// With kOverwrite the buffer is zeroed first, so every kernel then only adds its terms.
inline void begin_gradient_write(GradientWrite write, float* gradient, int32_t size) {
  if (write != GradientWrite::kOverwrite) return;
  for (int32_t i = 0; i < size; ++i) gradient[i] = 0.0f;
}

// True where an int8 output lies strictly inside its clamp range, i.e. where the gradient passes.
inline bool inside_clamp(int32_t value, int32_t activation_min, int32_t activation_max) {
  return value > activation_min && value < activation_max;
}
// The same for element i of `output`; a null output (not kept: the op has no fused activation)
// lets every gradient pass.
inline bool gradient_passes(const int8_t* output, int32_t i, int32_t activation_min,
                            int32_t activation_max) {
  return output == nullptr || inside_clamp(output[i], activation_min, activation_max);
}

// Calls visit(pixel, rows, cols) for every output pixel in raster order (pixel = out_y * W_out +
// out_x) with its kernel_h x kernel_w window clipped to the input, as the forward clips it.
template <typename Visit>
void for_each_window(const ConvParams& params, const Shape& input_shape, int32_t kernel_h,
                     int32_t kernel_w, const Shape& output_shape, Visit visit) {
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, kernel_h, input_shape.h);
    for (int32_t out_x = 0; out_x < output_shape.w; ++out_x) {
      visit(out_y * output_shape.w + out_x, rows,
            window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_shape.w));
    }
  }
}

}  // namespace tinynas::runtime
