#include "engine/compiler/graph_validation.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/quantization.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/op_kind_name.h"

namespace tinynas::compiler {
namespace {

namespace rt = runtime;

constexpr int64_t kMaxTensorElements = 2147483647;  // runtime::Shape::elements() is an int32
constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;
constexpr double kSameScaleTolerance = 1e-6;  // relative, for ops without requantization
constexpr int kMaxPadAmount = 255;            // a pad amount is one byte of the op record
constexpr float kSoftmaxOutputScale = 1.0f / 256.0f;
constexpr int32_t kSoftmaxOutputZeroPoint = -128;
constexpr int kNoWeights = -1;

// How many inputs an op of this kind takes: [min, max].
struct InputCount {
  size_t min, max;
};
InputCount expected_input_count(OpKind kind) {
  if (kind == OpKind::kConcatenation) return {2, rt::kMaxConcatInputs};
  if (kind == OpKind::kAdd) return {2, 2};
  return {1, 1};
}

std::string input_count_text(const InputCount& count) {
  if (count.min == count.max) return std::to_string(count.min);
  return std::to_string(count.min) + ".." + std::to_string(count.max);
}

int window_output(int in, int pad_before, int pad_after, int kernel, int stride) {
  const int padded = in + pad_before + pad_after;
  return padded < kernel ? 0 : (padded - kernel) / stride + 1;
}

std::string shape_text(const TensorShape& s) {
  return std::to_string(s.n) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w) + "x" +
         std::to_string(s.c);
}

// One validation run. For planning alone, problems are worded as plan_memory has always worded
// them ("op 2 (project)"), else as write_model has ("op 2 'project'").
class GraphChecker {
 public:
  GraphChecker(const Graph& graph, GraphUse use, const char* caller)
      : graph_(graph),
        structure_(use == GraphUse::kPlanning),
        every_activation_written_(use != GraphUse::kModelFile),
        caller_(caller),
        tensor_count_(static_cast<int>(graph.tensors.size())),
        produced_(graph.tensors.size(), false) {}

  void run() {
    if (structure_) {
      check_structure_io();
    } else {
      check_model_file_io();
    }
    produced_[graph_.input] = true;
    std::vector<int> weights_owner(graph_.tensors.size(), -1);
    for (int i = 0; i < static_cast<int>(graph_.ops.size()); ++i) {
      check_op(i);
      const int w = graph_.ops[i].weights;
      if (structure_ || w < 0) continue;
      // Every constant is the weights of exactly one op: the pool holds each op's constants in
      // op order without deduplication, which is what flash-size estimates count on.
      if (weights_owner[w] >= 0) {
        fail(tensor(w) + " is the weights of both " + op(weights_owner[w]) + " and " + op(i) +
             " (each op needs its own weights tensor)");
      }
      weights_owner[w] = i;
    }
    if (structure_ && graph_.output == graph_.input) {
      fail("graph output " + tensor(graph_.output) + " is the graph input");
    }
    for (int t = 0; t < tensor_count_; ++t) {
      const bool constant = graph_.tensors[t].is_constant;
      if (!structure_ && constant && weights_owner[t] < 0) {
        fail(tensor(t) + " is a constant that no op uses as weights");
      }
      if (every_activation_written_ && !constant && !produced_[t]) {
        fail(tensor(t) + " is an activation that no op produces");
      }
    }
  }

 private:
  bool in_range(int index) const { return index >= 0 && index < tensor_count_; }
  bool structure() const { return structure_; }

  std::string op(int index) const {
    if (!structure()) return describe_op(graph_, index);
    return "op " + std::to_string(index) + " (" + graph_.ops[index].name + ")";
  }

  std::string tensor(int index) const {
    if (!structure()) return describe_tensor(graph_, index);
    const std::string text = "tensor " + std::to_string(index);
    return in_range(index) ? text + " (" + graph_.tensors[index].name + ")" : text;
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw std::invalid_argument(std::string(caller_) + ": " + problem);
  }

  void check_structure_io() {
    if (graph_.ops.empty()) fail("the graph has no ops");
    if (!in_range(graph_.input)) {
      fail("graph input " + tensor(graph_.input) + " is not a tensor of the graph");
    }
    if (!in_range(graph_.output)) {
      fail("graph output " + tensor(graph_.output) + " is not a tensor of the graph");
    }
    for (int t = 0; t < tensor_count_; ++t) {
      const TensorShape& s = graph_.tensors[t].shape;
      if (s.n < 1 || s.h < 1 || s.w < 1 || s.c < 1) {
        fail(tensor(t) + " has a non-positive dimension");
      }
    }
    if (graph_.tensors[graph_.input].is_constant) {
      fail("graph input " + tensor(graph_.input) + " is a constant");
    }
  }

  void check_model_file_io() {
    if (graph_.tensors.empty() || graph_.tensors.size() > rt::kMaxTensors) {
      fail("graph has " + std::to_string(graph_.tensors.size()) + " tensors (expected 1.." +
           std::to_string(rt::kMaxTensors) + ")");
    }
    if (graph_.ops.empty() || graph_.ops.size() > rt::kMaxOps) {
      fail("graph has " + std::to_string(graph_.ops.size()) + " ops (expected 1.." +
           std::to_string(rt::kMaxOps) + ")");
    }
    if (!in_range(graph_.input) || graph_.tensors[graph_.input].is_constant) {
      fail("graph input " + std::to_string(graph_.input) + " is not an activation tensor");
    }
    if (!in_range(graph_.output) || graph_.tensors[graph_.output].is_constant ||
        graph_.output == graph_.input) {
      fail("graph output " + std::to_string(graph_.output) +
           " is not an activation tensor distinct from the input");
    }
    for (int t = 0; t < tensor_count_; ++t) check_tensor_for_model_file(t);
  }

  void check_tensor_for_model_file(int index) {
    const Tensor& t = graph_.tensors[index];
    const int dims[] = {t.shape.n, t.shape.h, t.shape.w, t.shape.c};
    for (int d : dims) {
      if (d < 1 || d > rt::kMaxTensorDim) {
        fail(tensor(index) + " has shape " + shape_text(t.shape) +
             " (every dimension must be in [1, 65535])");
      }
    }
    if (t.shape.elements() > kMaxTensorElements) {
      fail(tensor(index) + " has " + std::to_string(t.shape.elements()) +
           " elements (at most 2^31 - 1)");
    }
    if (t.is_constant) {
      if (static_cast<int64_t>(t.data.size()) != t.shape.elements()) {
        fail(tensor(index) + " holds " + std::to_string(t.data.size()) + " values for shape " +
             shape_text(t.shape) + " (expected " + std::to_string(t.shape.elements()) + ")");
      }
      return;
    }
    if (t.shape.n != 1) {
      fail(tensor(index) + " has batch " + std::to_string(t.shape.n) +
           " (the runtime runs batch 1)");
    }
    if (!(std::isfinite(t.scale) && t.scale > 0.0f)) {
      fail(tensor(index) + " has scale " + std::to_string(t.scale) +
           " (expected a finite value > 0)");
    }
    if (t.zero_point < kInt8Min || t.zero_point > kInt8Max) {
      fail(tensor(index) + " has zero point " + std::to_string(t.zero_point) +
           " (expected [-128, 127])");
    }
  }

  void check_op(int index) {
    const Op& o = graph_.ops[index];
    if (!structure()) {
      const int kind = static_cast<int>(o.kind);
      if (kind < 1 || kind >= rt::kOpKindCount) {
        fail(op(index) + " has unknown kind " + std::to_string(kind));
      }
      if (o.output < 0) fail(op(index) + " has no output");
    }
    const InputCount expected_inputs = expected_input_count(o.kind);
    if (o.inputs.size() < expected_inputs.min || o.inputs.size() > expected_inputs.max) {
      fail(op(index) + " has " + std::to_string(o.inputs.size()) +
           (structure() ? " inputs, expected " : " inputs (expected ") +
           input_count_text(expected_inputs) + (structure() ? "" : ")"));
    }
    for (int input : o.inputs) check_input(index, input);
    if (structure() && o.weights != kNoWeights &&
        (!in_range(o.weights) || !graph_.tensors[o.weights].is_constant)) {
      fail(op(index) + ": weights " + tensor(o.weights) + " is not a constant tensor");
    }
    check_output(index);
    if (structure()) return;
    if (op_has_window(o.kind)) check_window(index);
    if (o.kind == OpKind::kPad) check_pad_amounts(index);
    check_dilation_and_activation(index);
    check_weights_and_bias(index);
    check_shapes(index);
    check_requantization(index);
  }

  // The integer requantization the model writer derives from the op's scales exists (a multiplier
  // below 2^30, a softmax scale TFLite accepts): the same functions, so what passes here writes.
  void check_requantization(int index) {
    const Op& o = graph_.ops[index];
    const Tensor& in = graph_.tensors[o.inputs[0]];
    const Tensor& out = graph_.tensors[o.output];
    try {
      switch (o.kind) {
        case OpKind::kConv2d:
        case OpKind::kDepthwiseConv2d:
        case OpKind::kFullyConnected:
          // A graph read back from a .tnm keeps no weight scales (model_import.h): nothing to
          // derive.
          if (graph_.tensors[o.weights].channel_scales.empty()) break;
          per_channel_multipliers(in.scale, graph_.tensors[o.weights].channel_scales, out.scale,
                                  out.shape.c);
          break;
        case OpKind::kAdd:
          add_quantization(in.scale, graph_.tensors[o.inputs[1]].scale, out.scale);
          break;
        case OpKind::kSoftmax:
          softmax_quantization(o.beta, in.scale);
          break;
        case OpKind::kMean:
          mean_quantization(in.scale, in.zero_point, out.scale, out.zero_point, o.keep_dims);
          break;
        case OpKind::kQuantize:
          requantization_multiplier(in.scale, out.scale);
          break;
        case OpKind::kConcatenation:
          for (int input : o.inputs) {
            requantization_multiplier(graph_.tensors[input].scale, out.scale);
          }
          break;
        default:
          break;
      }
    } catch (const std::invalid_argument& error) {
      fail(op(index) + ": " + error.what());
    }
  }

  // A pad's amounts are bytes of the op record.
  void check_pad_amounts(int index) {
    const Op& o = graph_.ops[index];
    const int pads[] = {o.pad_top, o.pad_left, o.pad_bottom, o.pad_right};
    for (int pad : pads) {
      if (pad < 0 || pad > kMaxPadAmount) {
        fail(op(index) + " pads (top " + std::to_string(o.pad_top) + ", left " +
             std::to_string(o.pad_left) + ", bottom " + std::to_string(o.pad_bottom) + ", right " +
             std::to_string(o.pad_right) + "): each must be in [0, " +
             std::to_string(kMaxPadAmount) + "]");
      }
    }
  }

  void check_dilation_and_activation(int index) {
    const Op& o = graph_.ops[index];
    if (o.dilation_h != 1 || o.dilation_w != 1) {
      fail(op(index) + " has dilation " + std::to_string(o.dilation_h) + "x" +
           std::to_string(o.dilation_w) + " (only 1x1 is supported)");
    }
    if (!op_has_activation(o.kind) && o.activation != Activation::kNone) {
      fail(op(index) + " has a fused activation, but a " + rt::op_kind_name(o.kind) +
           " takes none");
    }
  }

  // An activation the graph input or an earlier op produced.
  void check_input(int index, int input) {
    if (!in_range(input)) {
      fail(structure() ? op(index) + " reads missing " + tensor(input)
                       : op(index) + " has input tensor index " + std::to_string(input) +
                             " (graph has " + std::to_string(tensor_count_) + " tensors)");
    }
    if (graph_.tensors[input].is_constant) {
      fail(structure() ? op(index) + " reads constant " + tensor(input) + " as an activation"
                       : op(index) + ": input " + tensor(input) +
                             " is a constant (expected an activation)");
    }
    if (!produced_[input]) {
      fail(op(index) + " reads " + tensor(input) + " before any op produces it");
    }
  }

  // A new activation.
  void check_output(int index) {
    const int output = graph_.ops[index].output;
    if (!in_range(output)) {
      fail(structure() ? op(index) + " writes missing " + tensor(output)
                       : op(index) + " has output tensor index " + std::to_string(output) +
                             " (graph has " + std::to_string(tensor_count_) + " tensors)");
    }
    if (graph_.tensors[output].is_constant) {
      fail(structure() ? op(index) + " writes constant " + tensor(output)
                       : op(index) + ": output " + tensor(output) +
                             " is a constant (expected an activation)");
    }
    if (produced_[output]) {
      fail(op(index) + " writes " + tensor(output) +
           ", which already exists (the graph input or another op's output)");
    }
    produced_[output] = true;
  }

  void check_window(int index) {
    const Op& o = graph_.ops[index];
    const auto within = [](int v, int lo, int hi) { return v >= lo && v <= hi; };
    if (!within(o.kernel_h, 1, rt::kMaxKernelSize) || !within(o.kernel_w, 1, rt::kMaxKernelSize)) {
      fail(op(index) + " has unsupported kernel size " + std::to_string(o.kernel_h) + "x" +
           std::to_string(o.kernel_w) + " (expected 1.." + std::to_string(rt::kMaxKernelSize) +
           ")");
    }
    if (!within(o.stride_h, 1, rt::kMaxStride) || !within(o.stride_w, 1, rt::kMaxStride)) {
      fail(op(index) + " has unsupported stride " + std::to_string(o.stride_h) + "x" +
           std::to_string(o.stride_w) + " (expected 1.." + std::to_string(rt::kMaxStride) + ")");
    }
    if (!within(o.pad_top, 0, o.kernel_h - 1) || !within(o.pad_bottom, 0, o.kernel_h - 1) ||
        !within(o.pad_left, 0, o.kernel_w - 1) || !within(o.pad_right, 0, o.kernel_w - 1)) {
      fail(op(index) + " has padding (top " + std::to_string(o.pad_top) + ", left " +
           std::to_string(o.pad_left) + ", bottom " + std::to_string(o.pad_bottom) + ", right " +
           std::to_string(o.pad_right) + ") not smaller than its kernel");
    }
  }

  void check_weights_and_bias(int index) {
    const Op& o = graph_.ops[index];
    if (!op_has_weights(o.kind)) {
      if (o.weights >= 0) {
        fail(op(index) + " has weights " + tensor(o.weights) + " but its kind takes none");
      }
      if (!o.bias.empty()) fail(op(index) + " has a bias but its kind takes none");
      return;
    }
    if (!in_range(o.weights) || !graph_.tensors[o.weights].is_constant) {
      fail(op(index) + " needs a constant weights tensor (has index " + std::to_string(o.weights) +
           ")");
    }
    const int channels = graph_.tensors[o.output].shape.c;
    if (!o.bias.empty() && static_cast<int>(o.bias.size()) != channels) {
      fail(op(index) + " has " + std::to_string(o.bias.size()) + " bias values for " +
           std::to_string(channels) + " output channels");
    }
  }

  void check_spatial(int index, const TensorShape& in, const TensorShape& out) {
    const Op& o = graph_.ops[index];
    const int h = window_output(in.h, o.pad_top, o.pad_bottom, o.kernel_h, o.stride_h);
    const int w = window_output(in.w, o.pad_left, o.pad_right, o.kernel_w, o.stride_w);
    if (h != out.h || w != out.w) {
      fail(op(index) + ": output " + tensor(o.output) + " is " + std::to_string(out.h) + "x" +
           std::to_string(out.w) + " but input " + shape_text(in) +
           " with this kernel, stride and padding gives " + std::to_string(h) + "x" +
           std::to_string(w));
    }
  }

  void check_shapes(int index) {
    const Op& o = graph_.ops[index];
    const Tensor& in = graph_.tensors[o.inputs[0]];
    const Tensor& out = graph_.tensors[o.output];
    const TensorShape& is = in.shape;
    const TensorShape& os = out.shape;
    switch (o.kind) {
      case OpKind::kConv2d: {
        const TensorShape& ws = graph_.tensors[o.weights].shape;
        if (ws.h != o.kernel_h || ws.w != o.kernel_w || ws.c != is.c || ws.n != os.c) {
          fail(op(index) + ": weights " + shape_text(ws) + " do not match kernel " +
               std::to_string(o.kernel_h) + "x" + std::to_string(o.kernel_w) + ", " +
               std::to_string(is.c) + " input and " + std::to_string(os.c) + " output channels");
        }
        check_spatial(index, is, os);
        break;
      }
      case OpKind::kDepthwiseConv2d: {
        // Output channel c reads input channel c / multiplier (TFLite's depth multiplier).
        const TensorShape& ws = graph_.tensors[o.weights].shape;
        if (ws.n != 1 || ws.h != o.kernel_h || ws.w != o.kernel_w || ws.c != os.c ||
            os.c % is.c != 0) {
          fail(op(index) + ": depthwise weights " + shape_text(ws) + ", input " + shape_text(is) +
               " and output " + shape_text(os) +
               " do not agree (weights 1 x KH x KW x C_out, C_out a multiple of C_in)");
        }
        check_spatial(index, is, os);
        break;
      }
      case OpKind::kFullyConnected: {
        const TensorShape& ws = graph_.tensors[o.weights].shape;
        if (ws.h != 1 || ws.w != 1 || ws.c != is.elements() || os.h != 1 || os.w != 1 ||
            os.c != ws.n) {
          fail(op(index) + ": fully-connected weights " + shape_text(ws) +
               " need shape O x 1 x 1 x K with K = " + std::to_string(is.elements()) +
               " input values and O = output channels (output is " + shape_text(os) + ")");
        }
        break;
      }
      case OpKind::kAdd: {
        const TensorShape& is1 = graph_.tensors[o.inputs[1]].shape;
        if (!(is1 == is) || !(os == is)) {
          fail(op(index) + ": add operands " + shape_text(is) + " + " + shape_text(is1) + " -> " +
               shape_text(os) + " must have equal shapes");
        }
        break;
      }
      case OpKind::kAveragePool2d:
      case OpKind::kMaxPool2d:
        if (os.c != is.c) fail(op(index) + ": a pool keeps the channel count");
        check_spatial(index, is, os);
        check_same_quantization(index, in, out);
        break;
      case OpKind::kGlobalAveragePool:
      case OpKind::kMean:
        if (os.h != 1 || os.w != 1 || os.c != is.c) {
          fail(op(index) + ": the mean over H and W of " + shape_text(is) + " is 1x1x1x" +
               std::to_string(is.c) + " (output is " + shape_text(os) + ")");
        }
        break;
      case OpKind::kSoftmax:
        check_softmax(index, in, out);
        break;
      case OpKind::kReshape:
        if (os.elements() != is.elements()) {
          fail(op(index) + ": a reshape keeps the element count (" + shape_text(is) + " -> " +
               shape_text(os) + ")");
        }
        check_same_quantization(index, in, out);
        break;
      case OpKind::kPad:
        if (os.h != is.h + o.pad_top + o.pad_bottom || os.w != is.w + o.pad_left + o.pad_right ||
            os.c != is.c) {
          fail(op(index) + ": padding " + shape_text(is) + " by (top " + std::to_string(o.pad_top) +
               ", left " + std::to_string(o.pad_left) + ", bottom " + std::to_string(o.pad_bottom) +
               ", right " + std::to_string(o.pad_right) + ") does not give " + shape_text(os));
        }
        check_same_quantization(index, in, out);
        break;
      case OpKind::kConcatenation:
        check_concatenation(index);
        break;
      case OpKind::kQuantize:
        if (!(os == is)) {
          fail(op(index) + ": a requantization keeps the shape (" + shape_text(is) + " -> " +
               shape_text(os) + ")");
        }
        break;
    }
  }

  // Ops that move int8 values without requantizing them.
  void check_same_quantization(int index, const Tensor& in, const Tensor& out) {
    if (in.zero_point != out.zero_point ||
        std::fabs(in.scale - out.scale) > kSameScaleTolerance * in.scale) {
      fail(op(index) + ": a " + rt::op_kind_name(graph_.ops[index].kind) +
           " needs the same quantization in and out (input scale " + std::to_string(in.scale) +
           " zero point " + std::to_string(in.zero_point) + ", output scale " +
           std::to_string(out.scale) + " zero point " + std::to_string(out.zero_point) + ")");
    }
  }

  // TFLite's int8 softmax: over C, at most runtime::kMaxSoftmaxDepth values, output scale 1/256
  // and zero point -128, beta finite and positive.
  void check_softmax(int index, const Tensor& in, const Tensor& out) {
    const Op& o = graph_.ops[index];
    if (!(out.shape == in.shape)) {
      fail(op(index) + ": softmax keeps the shape (" + shape_text(in.shape) + " -> " +
           shape_text(out.shape) + ")");
    }
    if (in.shape.c > rt::kMaxSoftmaxDepth) {
      fail(op(index) + ": softmax over " + std::to_string(in.shape.c) + " values (at most " +
           std::to_string(rt::kMaxSoftmaxDepth) + ")");
    }
    if (out.scale != kSoftmaxOutputScale || out.zero_point != kSoftmaxOutputZeroPoint) {
      fail(op(index) + ": an int8 softmax outputs scale 1/256 and zero point -128 (output has " +
           std::to_string(out.scale) + " and " + std::to_string(out.zero_point) + ")");
    }
    if (!(std::isfinite(o.beta) && o.beta > 0.0f)) {
      fail(op(index) + ": softmax beta is " + std::to_string(o.beta) +
           " (expected a finite value > 0)");
    }
  }

  // Inputs of the output's height and width whose channels add up to the output's.
  void check_concatenation(int index) {
    const Op& o = graph_.ops[index];
    const TensorShape& os = graph_.tensors[o.output].shape;
    int64_t channels = 0;
    for (int input : o.inputs) {
      const TensorShape& is = graph_.tensors[input].shape;
      if (is.h != os.h || is.w != os.w) {
        fail(op(index) + ": concatenation input " + tensor(input) + " is " + shape_text(is) +
             ", the output " + shape_text(os) + " (only C may differ)");
      }
      channels += is.c;
    }
    if (channels != os.c) {
      fail(op(index) + ": the inputs' " + std::to_string(channels) +
           " channels do not make the output's " + std::to_string(os.c));
    }
  }

  const Graph& graph_;
  // The planner's rules and wording (else the model file's).
  const bool structure_;
  const bool every_activation_written_;
  const char* caller_;
  const int tensor_count_;
  std::vector<bool> produced_;  // per tensor: the graph input or an output of an op checked
};

}  // namespace

ValidatedGraph validate_graph(const Graph& graph, GraphUse use, const char* caller) {
  GraphChecker(graph, use, caller).run();
  return ValidatedGraph(graph, use);
}

}  // namespace tinynas::compiler
