// The ring of input rows of the in-place depthwise kernels (depthwise_conv2d_s8_in_place_dsp.cpp
// and depthwise_conv2d_s8_in_place_mve.cpp): kernel_h rows of a group of adjacent channels, row r
// in slot r % kernel_h. The plain kernel's proof (engine/runtime/depthwise_conv2d_s8_in_place.cpp)
// that every input row is copied here before the layer's output overwrites it holds per group.
#pragma once

#include <stdint.h>

#include "engine/runtime/arithmetic.h"
#include "engine/runtime/kernels.h"

namespace tinynas::firmware {

// The extents of an in-place depthwise layer.
struct InPlaceShape {
  int32_t input_h, input_w, channels, kernel_h, kernel_w, output_h, output_w;
};

// The window rows [begin, end) of an output row that lie inside the input.
struct KernelRows {
  int32_t begin, end;
};

// Readies the ring for output row out_y: copies every input row it needs that is not copied yet
// (from next_row_to_copy on, which it advances) with copy_row(slot, row), `row` pointing at the
// group's first channel of the row's first pixel in `group_input`, and points rows[ky] at the
// slot of window row ky for the KernelRows it returns. Always inlined: the kernels' loops are
// scheduled around it.
template <typename CopyRow>
__attribute__((always_inline)) inline KernelRows fill_ring(const runtime::ConvParams& params,
                                                           const InPlaceShape& s, int32_t out_y,
                                                           const int8_t* group_input, int8_t* ring,
                                                           int32_t ring_row_bytes,
                                                           int32_t& next_row_to_copy,
                                                           const int8_t** rows, CopyRow copy_row) {
  // Locals, not reads through `s`: the copies write bytes, which may alias it.
  const int32_t input_h = s.input_h;
  const int32_t kernel_h = s.kernel_h;
  const int32_t input_row_stride = s.input_w * s.channels;
  const int32_t in_y_origin = out_y * params.stride_h - params.pad_top;
  const int32_t last_needed_row = runtime::min_i32(input_h - 1, in_y_origin + kernel_h - 1);
  int32_t row = runtime::max_i32(next_row_to_copy, in_y_origin);
  for (; row <= last_needed_row; ++row) {
    copy_row(ring + (row % kernel_h) * ring_row_bytes, group_input + row * input_row_stride);
  }
  next_row_to_copy = row;
  const KernelRows window{runtime::max_i32(0, -in_y_origin),
                          runtime::min_i32(kernel_h, input_h - in_y_origin)};
  for (int32_t ky = window.begin; ky < window.end; ++ky) {
    rows[ky] = ring + ((in_y_origin + ky) % kernel_h) * ring_row_bytes;
  }
  return window;
}

}  // namespace tinynas::firmware
