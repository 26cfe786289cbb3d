// The kernels' parameter structs (kernels.h) filled from a validated op record, shared by the
// interpreter, the patch executor and the streamed executor.
#pragma once

#include "engine/runtime/kernels.h"
#include "engine/runtime/model_reader.h"
#include "engine/runtime/op_window.h"

namespace tinynas::runtime {

// An activation shape (batch 1), e.g. the rows or region a kernel call covers.
inline Shape make_shape(int32_t h, int32_t w, int32_t c) {
  Shape shape;
  shape.h = h;
  shape.w = w;
  shape.c = c;
  return shape;
}

// Convolution, depthwise and fully connected: offsets from the input's and output's zero
// points, stride and leading padding, the fused activation clamp.
inline ConvParams conv_params(const OpInfo& op, const TensorInfo& input, const TensorInfo& output) {
  ConvParams params;
  params.input_offset = -input.zero_point;
  params.output_offset = output.zero_point;
  params.stride_h = op.stride_h;
  params.stride_w = op.stride_w;
  params.pad_top = op.pad_top;
  params.pad_left = op.pad_left;
  params.activation_min = op.activation_min;
  params.activation_max = op.activation_max;
  return params;
}

// Add: each input's zero point and requantization, the output's, the clamp.
inline AddParams add_params(const OpInfo& op, const TensorInfo& input0, const TensorInfo& input1,
                            const TensorInfo& output) {
  AddParams params;
  params.input0_offset = -input0.zero_point;
  params.input0_multiplier = op.input0_multiplier;
  params.input0_shift = op.input0_shift;
  params.input1_offset = -input1.zero_point;
  params.input1_multiplier = op.input1_multiplier;
  params.input1_shift = op.input1_shift;
  params.left_shift = op.left_shift;
  params.output_offset = output.zero_point;
  params.output_multiplier = op.output_multiplier;
  params.output_shift = op.output_shift;
  params.activation_min = op.activation_min;
  params.activation_max = op.activation_max;
  return params;
}

// Average pool: the window and the activation clamp.
inline PoolParams pool_params(const OpInfo& op) {
  PoolParams params;
  copy_window_start(op, &params);
  params.activation_min = op.activation_min;
  params.activation_max = op.activation_max;
  return params;
}

// Global average pool: the requantization from the input's to the output's quantization.
inline GlobalPoolParams global_pool_params(const OpInfo& op, const TensorInfo& input,
                                           const TensorInfo& output) {
  GlobalPoolParams params;
  params.input_offset = -input.zero_point;
  params.output_offset = output.zero_point;
  params.output_multiplier = op.output_multiplier;
  params.output_shift = op.output_shift;
  params.activation_min = op.activation_min;
  params.activation_max = op.activation_max;
  return params;
}

}  // namespace tinynas::runtime
