#include "engine/runtime/op_kind_name.h"

namespace tinynas::runtime {

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2d:
      return "conv2d";
    case OpKind::kDepthwiseConv2d:
      return "depthwise_conv2d";
    case OpKind::kAdd:
      return "add";
    case OpKind::kAveragePool2d:
      return "average_pool2d";
    case OpKind::kGlobalAveragePool:
      return "global_average_pool";
    case OpKind::kFullyConnected:
      return "fully_connected";
    case OpKind::kMaxPool2d:
      return "max_pool2d";
    case OpKind::kSoftmax:
      return "softmax";
    case OpKind::kReshape:
      return "reshape";
    case OpKind::kPad:
      return "pad";
    case OpKind::kConcatenation:
      return "concatenation";
    case OpKind::kQuantize:
      return "quantize";
    case OpKind::kMean:
      return "mean";
  }
  return "unknown";
}

}  // namespace tinynas::runtime
