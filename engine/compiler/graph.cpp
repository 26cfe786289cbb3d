#include "engine/compiler/graph.h"

namespace tinynas::compiler {

int Graph::add_tensor(Tensor tensor) {
  tensors.push_back(std::move(tensor));
  return static_cast<int>(tensors.size()) - 1;
}

int Graph::add_op(Op op) {
  ops.push_back(std::move(op));
  return static_cast<int>(ops.size()) - 1;
}

bool op_has_weights(OpKind kind) {
  return kind == OpKind::kConv2d || kind == OpKind::kDepthwiseConv2d ||
         kind == OpKind::kFullyConnected;
}

bool op_has_window(OpKind kind) {
  return kind == OpKind::kConv2d || kind == OpKind::kDepthwiseConv2d ||
         kind == OpKind::kAveragePool2d || kind == OpKind::kMaxPool2d;
}

bool op_has_padding(OpKind kind) { return op_has_window(kind) || kind == OpKind::kPad; }

bool op_has_activation(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2d:
    case OpKind::kDepthwiseConv2d:
    case OpKind::kAdd:
    case OpKind::kAveragePool2d:
    case OpKind::kGlobalAveragePool:
    case OpKind::kFullyConnected:
    case OpKind::kMaxPool2d:
      return true;
    case OpKind::kSoftmax:
    case OpKind::kReshape:
    case OpKind::kPad:
    case OpKind::kConcatenation:
    case OpKind::kQuantize:
    case OpKind::kMean:
      return false;
  }
  return false;
}

std::string describe_op(const Graph& graph, int index) {
  std::string text = "op " + std::to_string(index);
  if (index >= 0 && index < static_cast<int>(graph.ops.size()) && !graph.ops[index].name.empty()) {
    text += " '" + graph.ops[index].name + "'";
  }
  return text;
}

std::string describe_tensor(const Graph& graph, int index) {
  std::string text = "tensor " + std::to_string(index);
  if (index >= 0 && index < static_cast<int>(graph.tensors.size()) &&
      !graph.tensors[index].name.empty()) {
    text += " '" + graph.tensors[index].name + "'";
  }
  return text;
}

int64_t op_macs(const Graph& graph, const Op& op) {
  const TensorShape& out = graph.tensors[op.output].shape;
  switch (op.kind) {
    case OpKind::kConv2d: {
      const TensorShape& in = graph.tensors[op.inputs[0]].shape;
      return out.elements() * op.kernel_h * op.kernel_w * in.c;
    }
    case OpKind::kDepthwiseConv2d:
      return out.elements() * op.kernel_h * op.kernel_w;
    case OpKind::kFullyConnected: {
      const TensorShape& in = graph.tensors[op.inputs[0]].shape;
      return out.c * in.elements();
    }
    case OpKind::kAdd:
    case OpKind::kPad:
    case OpKind::kConcatenation:
    case OpKind::kQuantize:
      return out.elements();
    case OpKind::kAveragePool2d:
    case OpKind::kMaxPool2d:
      return out.elements() * op.kernel_h * op.kernel_w;
    case OpKind::kGlobalAveragePool:
    case OpKind::kMean:
    case OpKind::kSoftmax:
      return graph.tensors[op.inputs[0]].shape.elements();
    case OpKind::kReshape:
      return 0;
  }
  return 0;
}

int64_t graph_macs(const Graph& graph) {
  int64_t total = 0;
  for (const Op& op : graph.ops) {
    if (op.kind == OpKind::kConv2d || op.kind == OpKind::kDepthwiseConv2d ||
        op.kind == OpKind::kFullyConnected) {
      total += op_macs(graph, op);
    }
  }
  return total;
}

int64_t graph_params(const Graph& graph) {
  int64_t total = 0;
  for (const Op& op : graph.ops) {
    if (op.weights >= 0) total += graph.tensors[op.weights].shape.elements();
    total += static_cast<int64_t>(op.bias.size());
  }
  return total;
}

}  // namespace tinynas::compiler
