// The one spelling of op kinds that every report, table and JSON file uses.
#pragma once

#include "engine/runtime/model_format.h"

namespace tinynas::runtime {

// "conv2d", "depthwise_conv2d", "add", "average_pool2d", "global_average_pool",
// "fully_connected", "max_pool2d", "softmax", "reshape", "pad", "concatenation", "quantize",
// "mean"; "unknown" for any other value.
const char* op_kind_name(OpKind kind);

}  // namespace tinynas::runtime
