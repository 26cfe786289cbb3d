#include "profiler/latency/op_features.h"

#include <stdexcept>
#include <string>

#include "engine/runtime/op_kind_name.h"

namespace tinynas::profiler::latency {
namespace {

double elements(const runtime::TensorInfo& t) {
  return static_cast<double>(t.shape.n) * t.shape.h * t.shape.w * t.shape.c;
}

std::string geometry(const runtime::OpInfo& op) {
  return "_k" + std::to_string(op.kernel_h) + "_s" + std::to_string(op.stride_h);
}

}  // namespace

const char* feature_name(int feature) {
  switch (feature) {
    case kMacs:
      return "macs";
    case kInputBytes:
      return "input_bytes";
    case kOutputBytes:
      return "output_bytes";
    case kWeightBytes:
      return "weight_bytes";
    case kOutputPixels:
      return "output_pixels";
    case kKernelSize:
      return "kernel_size";
    case kStride:
      return "stride";
    case kConstant:
      return "constant";
    default:
      return "unknown";
  }
}

std::vector<OpFeatures> extract_op_features(const runtime::ModelView& model) {
  if (!model.valid()) throw std::invalid_argument("latency features: model is not validated");
  std::vector<OpFeatures> features;
  features.reserve(model.op_count());
  for (uint16_t i = 0; i < model.op_count(); ++i) {
    const runtime::OpInfo op = model.op(i);
    const runtime::TensorInfo input = model.tensor(op.input0);
    const runtime::TensorInfo output = model.tensor(op.output);
    OpFeatures f;
    f.op_kind = runtime::op_kind_name(op.kind);
    f.op_class = f.op_kind;
    double weight_bytes = 0.0;
    double macs = 0.0;
    const double output_pixels = static_cast<double>(output.shape.h) * output.shape.w;
    double input_bytes = input.size_bytes;
    switch (op.kind) {
      case runtime::OpKind::kConv2d: {
        const runtime::TensorInfo weights = model.tensor(op.weights);
        weight_bytes = weights.size_bytes;
        macs = elements(output) * op.kernel_h * op.kernel_w * input.shape.c;
        if (runtime::is_pointwise_conv(op)) {
          f.op_kind = "conv2d_1x1";
          f.op_class = "conv2d_1x1";
        } else {
          f.op_class += geometry(op);
        }
        break;
      }
      case runtime::OpKind::kDepthwiseConv2d: {
        weight_bytes = model.tensor(op.weights).size_bytes;
        macs = elements(output) * op.kernel_h * op.kernel_w;
        f.op_class += geometry(op) + (op.in_place() ? "_in_place" : "");
        break;
      }
      case runtime::OpKind::kFullyConnected: {
        weight_bytes = model.tensor(op.weights).size_bytes;
        macs = elements(output) * elements(input) / input.shape.n;
        break;
      }
      case runtime::OpKind::kAdd:
        input_bytes += model.tensor(op.input1).size_bytes;
        macs = elements(output);
        break;
      case runtime::OpKind::kAveragePool2d:
        macs = elements(output) * op.kernel_h * op.kernel_w;
        f.op_class += geometry(op);
        break;
      case runtime::OpKind::kGlobalAveragePool:
        macs = elements(input);
        break;
    }
    f.values[kMacs] = macs;
    f.values[kInputBytes] = input_bytes;
    f.values[kOutputBytes] = output.size_bytes;
    f.values[kWeightBytes] = weight_bytes;
    f.values[kOutputPixels] = output_pixels;
    f.values[kKernelSize] = op.kernel_h;
    f.values[kStride] = op.stride_h;
    f.values[kConstant] = 1.0;
    features.push_back(f);
  }
  return features;
}

}  // namespace tinynas::profiler::latency
