// Fused inverted residual, row-streamed: expand 1x1 -> depthwise k x k -> project 1x1 without
// ever holding the expanded (H x W x Cmid) or depthwise (OH x OW x Cmid) tensor whole. MCUNetV2
// (Lin et al., "MCUNetV2: Memory-Efficient Patch-based Inference for Tiny Deep Learning",
// NeurIPS 2021, section 3) shows that the peak of a MobileNetV2-style network sits in the
// expanded tensors of its early blocks and removes it by computing small spatial pieces at a
// time; here the pieces are rows, which needs no recomputation at all.
//
// Scratch layout: [ring: kernel_h slots of W * Cmid][depthwise row: OW * Cmid].
//
// Why every expanded row is computed exactly once and is still in the ring when read (K =
// kernel_h, s = stride_h, pt = pad_top in [0, K - 1]): the window of output row oy is rows
// [oy * s - pt, oy * s - pt + K) clipped to [0, H). Rows are computed in increasing order up to
// last(oy) = min(H - 1, oy * s - pt + K - 1), starting no lower than the window's top (rows
// above it, which exist only when s > K, are never read and never computed). Row r goes to slot
// r mod K and evicts row r - K <= oy * s - pt - 1, which is above the window of oy and, windows
// only moving down, of every later output row. So the K rows of a window are always resident.
//
// Bit-exactness: the expand and project rows are computed by conv2d_1x1_s8 itself (on one row of
// pixels: a pointwise conv treats pixels independently), and the depthwise row repeats the
// arithmetic of depthwise_conv2d_s8 (same accumulation, padded cells skipped, same
// requantization and clamp); integer sums do not depend on their order, and the validator's
// accumulator bounds rule out overflow.
#include <stdint.h>

#include "engine/runtime/depthwise_row.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

namespace {

constexpr int64_t kInt32Max = 2147483647;

Shape row_shape(int32_t width, int32_t channels) {
  Shape shape;
  shape.h = 1;
  shape.w = width;
  shape.c = channels;
  return shape;
}

}  // namespace

void inverted_residual_rows_s8(const ConvStage& expand, const ConvStage& depthwise,
                               const ConvStage& project, const InvertedResidualShapes& shapes,
                               const int8_t* input, int8_t* output, int8_t* scratch) {
  const int32_t input_h = shapes.input.h;
  const int32_t input_w = shapes.input.w;
  const int32_t input_c = shapes.input.c;
  const int32_t mid_c = shapes.expanded.c;
  const int32_t output_h = shapes.depthwise_output.h;
  const int32_t output_w = shapes.depthwise_output.w;
  const int32_t output_c = shapes.output.c;
  const int32_t kernel_h = depthwise.filter_shape.h;
  const int32_t ring_row_bytes = input_w * mid_c;

  int8_t* const ring = scratch;
  int8_t* const depthwise_out = scratch + kernel_h * ring_row_bytes;
  const Shape input_row = row_shape(input_w, input_c);
  const Shape expanded_row = row_shape(input_w, mid_c);
  const Shape depthwise_row_shape = row_shape(output_w, mid_c);
  const Shape output_row = row_shape(output_w, output_c);
  const int8_t* window_rows[kMaxKernelSize];

  RowRing expanded_rows(ring, ring_row_bytes, kernel_h, input_h);
  for (int32_t out_y = 0; out_y < output_h; ++out_y) {
    const WindowSpan rows = expanded_rows.window(
        out_y, depthwise.params.stride_h, depthwise.params.pad_top, window_rows,
        [&](int32_t row, int8_t* slot) {
          conv2d_1x1_s8(expand.params, expand.quant, input_row, input + row * input_w * input_c,
                        expand.filter_shape, expand.filter, expand.bias, expanded_row, slot);
        });
    depthwise_row_s8(depthwise, window_rows, rows, input_w, output_w, mid_c, mid_c, depthwise_out);
    conv2d_1x1_s8(project.params, project.quant, depthwise_row_shape, depthwise_out,
                  project.filter_shape, project.filter, project.bias, output_row,
                  output + out_y * output_w * output_c);
  }
}

int32_t inverted_residual_rows_s8_get_buffer_size(const Shape& expanded_shape,
                                                  const Shape& depthwise_filter_shape,
                                                  const Shape& depthwise_output_shape) {
  const int64_t ring = int64_t{depthwise_filter_shape.h} * expanded_shape.w * expanded_shape.c;
  const int64_t row = int64_t{depthwise_output_shape.w} * expanded_shape.c;
  const int64_t total = ring + row;
  return total > kInt32Max ? static_cast<int32_t>(kInt32Max) : static_cast<int32_t>(total);
}

}  // namespace tinynas::runtime
