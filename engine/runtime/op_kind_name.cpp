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
  }
  return "unknown";
}

}  // namespace tinynas::runtime
