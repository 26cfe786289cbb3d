// Scratch bytes each kernel needs for an op record, from the kernels' own *_get_buffer_size
// functions, so that the compiler's plan and the validator's check agree (model_reader.h).
#include "engine/runtime/model_reader.h"

namespace tinynas::runtime {

bool is_pointwise_conv(const OpInfo& op) {
  return op.kind == OpKind::kConv2d && op.kernel_h == 1 && op.kernel_w == 1 && op.stride_h == 1 &&
         op.stride_w == 1 && op.pad_top == 0 && op.pad_left == 0 && op.pad_bottom == 0 &&
         op.pad_right == 0;
}

int32_t kernel_scratch_bytes(const OpInfo& op, const TensorInfo& input, const TensorInfo& weights) {
  switch (op.kind) {
    case OpKind::kConv2d:
      return is_pointwise_conv(op) ? conv2d_1x1_s8_get_buffer_size(input.shape, weights.shape)
                                   : conv2d_s8_get_buffer_size(input.shape, weights.shape);
    case OpKind::kDepthwiseConv2d:
      return op.in_place()
                 ? depthwise_conv2d_s8_in_place_get_buffer_size(input.shape, weights.shape)
                 : depthwise_conv2d_s8_get_buffer_size(input.shape, weights.shape);
    case OpKind::kAdd:
    case OpKind::kAveragePool2d:
    case OpKind::kGlobalAveragePool:
    case OpKind::kFullyConnected:
    case OpKind::kMaxPool2d:
    case OpKind::kSoftmax:
    case OpKind::kReshape:
    case OpKind::kPad:
    case OpKind::kConcatenation:
    case OpKind::kQuantize:
    case OpKind::kMean:
      return 0;  // these kernels work in their output buffer and on the stack
  }
  return 0;
}

int32_t fused_group_scratch_bytes(const TensorInfo& expanded, const TensorInfo& depthwise_weights,
                                  const TensorInfo& depthwise_output) {
  return inverted_residual_rows_s8_get_buffer_size(expanded.shape, depthwise_weights.shape,
                                                   depthwise_output.shape);
}

}  // namespace tinynas::runtime
