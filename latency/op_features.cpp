#include "latency/op_features.h"

#include <stdexcept>
#include <string>

#include "engine/runtime/op_kind_name.h"
#include "engine/runtime/streamed_executor.h"

namespace tinynas::latency {
namespace {

double elements(const runtime::TensorInfo& t) {
  return static_cast<double>(t.shape.n) * t.shape.h * t.shape.w * t.shape.c;
}

// "_k3_s2" for a square window, "_k10x4_s2x1" (height x width) for another.
std::string geometry(const runtime::OpInfo& op) {
  const bool square = op.kernel_h == op.kernel_w && op.stride_h == op.stride_w;
  if (square) return "_k" + std::to_string(op.kernel_h) + "_s" + std::to_string(op.stride_h);
  return "_k" + std::to_string(op.kernel_h) + "x" + std::to_string(op.kernel_w) + "_s" +
         std::to_string(op.stride_h) + "x" + std::to_string(op.stride_w);
}

double op_macs(const runtime::ModelView& model, const runtime::OpInfo& op) {
  const runtime::TensorInfo input = model.tensor(op.input0);
  const runtime::TensorInfo output = model.tensor(op.output);
  if (op.kind == runtime::OpKind::kDepthwiseConv2d) {
    return elements(output) * op.kernel_h * op.kernel_w;
  }
  return elements(output) * op.kernel_h * op.kernel_w * input.shape.c;  // 1x1 conv
}

// A row-streamed group (expand 1x1 -> depthwise -> project 1x1) runs as one kernel when its
// first op comes up, so the board charges all its cycles to that op: the first op carries the
// group's features under a class of its own, the other two a class that costs only the
// per-op dispatch.
void add_fused_group_features(const runtime::ModelView& model, uint16_t first,
                              std::vector<OpFeatures>& features) {
  const runtime::OpInfo expand = model.op(first);
  const runtime::OpInfo depthwise = model.op(static_cast<uint16_t>(first + 1));
  const runtime::OpInfo project = model.op(static_cast<uint16_t>(first + 2));
  const runtime::TensorInfo output = model.tensor(project.output);
  OpFeatures group;
  group.op_kind = "inverted_residual_rows";
  group.op_class = group.op_kind + geometry(depthwise);
  for (const runtime::OpInfo& op : {expand, depthwise, project}) {
    group.values[kMacs] += op_macs(model, op);
    group.values[kWeightBytes] += model.tensor(op.weights).size_bytes;
  }
  group.values[kInputBytes] = model.tensor(expand.input0).size_bytes;
  group.values[kOutputBytes] = output.size_bytes;
  group.values[kOutputPixels] = static_cast<double>(output.shape.h) * output.shape.w;
  group.values[kKernelSize] = depthwise.kernel_h;
  group.values[kStride] = depthwise.stride_h;
  group.values[kConstant] = 1.0;
  features.push_back(group);
  OpFeatures member;
  member.op_kind = "inverted_residual_rows_member";
  member.op_class = member.op_kind;
  member.values[kConstant] = 1.0;
  for (int k = 1; k < runtime::kFusedGroupOpCount; ++k) features.push_back(member);
}

// The patch stage (MCUNetV2) runs ops [0, split) once per patch and the board charges the whole
// stage to op 0: op 0 carries the stage (MACs and weights of all its ops, without the overlap,
// which grows with the grid, hence one class per grid), the other stage ops only a dispatch.
void add_patch_stage_features(const runtime::ModelView& model, std::vector<OpFeatures>& features) {
  const uint16_t split = model.patch_split();
  const runtime::OpInfo first = model.op(0);
  const runtime::OpInfo last = model.op(static_cast<uint16_t>(split - 1));
  const runtime::TensorInfo output = model.tensor(last.output);
  OpFeatures stage;
  stage.op_kind = "patch_stage";
  stage.op_class = stage.op_kind + "_g" + std::to_string(model.patch_grid());
  for (uint16_t i = 0; i < split; ++i) {
    const runtime::OpInfo op = model.op(i);
    if (op.kind == runtime::OpKind::kConv2d || op.kind == runtime::OpKind::kDepthwiseConv2d) {
      stage.values[kMacs] += op_macs(model, op);
      stage.values[kWeightBytes] += model.tensor(op.weights).size_bytes;
    } else if (op.kind == runtime::OpKind::kAdd) {
      stage.values[kMacs] += elements(model.tensor(op.output));
    }
  }
  stage.values[kInputBytes] = model.tensor(first.input0).size_bytes;
  stage.values[kOutputBytes] = output.size_bytes;
  stage.values[kOutputPixels] = static_cast<double>(output.shape.h) * output.shape.w;
  stage.values[kKernelSize] = first.kernel_h;
  stage.values[kStride] = first.stride_h;
  stage.values[kConstant] = 1.0;
  features.push_back(stage);
  OpFeatures member;
  member.op_kind = "patch_stage_member";
  member.op_class = member.op_kind;
  member.values[kConstant] = 1.0;
  for (uint16_t i = 1; i < split; ++i) features.push_back(member);
}

// A streamed stage runs whole when its first op comes up and the board charges it to that op:
// the first op carries the stage — the MACs and weights of all its ops (the same MACs as op by
// op: no row is computed twice), its input and output, and as output pixels the rows the stage
// computes (each row is one kernel call: the per-row overhead) — the other stage ops a dispatch.
// One class per first op's geometry, like the fused groups.
void add_streamed_stage_features(const runtime::ModelView& model, uint16_t first, uint16_t count,
                                 std::vector<OpFeatures>& features) {
  const runtime::OpInfo first_op = model.op(first);
  const runtime::OpInfo last_op = model.op(static_cast<uint16_t>(first + count - 1));
  OpFeatures stage;
  stage.op_kind = "streamed_stage";
  stage.op_class = stage.op_kind + geometry(first_op);
  for (uint16_t k = 0; k < count; ++k) {
    const runtime::OpInfo op = model.op(static_cast<uint16_t>(first + k));
    const runtime::TensorInfo output = model.tensor(op.output);
    if (op.kind == runtime::OpKind::kConv2d || op.kind == runtime::OpKind::kDepthwiseConv2d) {
      stage.values[kMacs] += op_macs(model, op);
      stage.values[kWeightBytes] += model.tensor(op.weights).size_bytes;
    } else {  // adds and pools: one operation per output element
      stage.values[kMacs] += elements(output);
    }
    stage.values[kOutputPixels] += output.shape.h;
  }
  stage.values[kInputBytes] = model.tensor(first_op.input0).size_bytes;
  stage.values[kOutputBytes] = model.tensor(last_op.output).size_bytes;
  stage.values[kKernelSize] = first_op.kernel_h;
  stage.values[kStride] = first_op.stride_h;
  stage.values[kConstant] = 1.0;
  features.push_back(stage);
  OpFeatures member;
  member.op_kind = "streamed_stage_member";
  member.op_class = member.op_kind;
  member.values[kConstant] = 1.0;
  for (uint16_t k = 1; k < count; ++k) features.push_back(member);
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
  uint16_t i = 0;
  if (model.patch_grid() > 0) {
    add_patch_stage_features(model, features);
    i = model.patch_split();
  }
  for (; i < model.op_count(); ++i) {
    if (model.op(i).stream_start()) {
      const uint16_t count = runtime::streamed_stage_length(model, i);
      add_streamed_stage_features(model, i, count, features);
      i = static_cast<uint16_t>(i + count - 1);
      continue;
    }
    if (model.op(i).fused_rows()) {
      const uint16_t group_end = static_cast<uint16_t>(i + runtime::kFusedGroupOpCount);
      add_fused_group_features(model, i, features);
      i = static_cast<uint16_t>(group_end - 1);
      continue;
    }
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
        // A depth multiplier > 1 runs another loop (lanes gathered from single input bytes).
        const bool multiplied = output.shape.c != input.shape.c;
        f.op_class +=
            geometry(op) + (op.in_place() ? "_in_place" : "") + (multiplied ? "_multiplier" : "");
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
      case runtime::OpKind::kMaxPool2d:
        macs = elements(output) * op.kernel_h * op.kernel_w;
        f.op_class += geometry(op);
        break;
      case runtime::OpKind::kGlobalAveragePool:
      case runtime::OpKind::kSoftmax:
        macs = elements(input);
        break;
      case runtime::OpKind::kMean:  // each of TFLite Micro's computations costs differently
        macs = elements(input);
        f.op_class += "_mode" + std::to_string(op.mean_mode);
        break;
      case runtime::OpKind::kReshape:  // a view: only the dispatch
        input_bytes = 0;
        break;
      case runtime::OpKind::kPad:
      case runtime::OpKind::kQuantize:
        macs = elements(output);
        break;
      case runtime::OpKind::kConcatenation:
        input_bytes = 0;
        for (int32_t k = 0; k < op.concat_input_count; ++k) {
          input_bytes += model.tensor(model.op_input(op, k)).size_bytes;
        }
        macs = elements(output);
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

}  // namespace tinynas::latency
