// The kernels' parameter structs (kernels.h) filled from a validated op record, shared by the
// interpreter and the patch executor.
#pragma once

#include "engine/runtime/kernels.h"
#include "engine/runtime/model_reader.h"
#include "engine/runtime/op_window.h"

namespace tinynas::runtime {

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

// Average pool: the window and the activation clamp.
inline PoolParams pool_params(const OpInfo& op) {
  PoolParams params;
  copy_window_start(op, &params);
  params.activation_min = op.activation_min;
  params.activation_max = op.activation_max;
  return params;
}

}  // namespace tinynas::runtime
