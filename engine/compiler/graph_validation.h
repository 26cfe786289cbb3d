// The invariants of the graph IR, checked in one place. A graph is validated once where it enters
// the compiler (built from a NetworkSpec, imported from a model file, or handed to plan_memory /
// write_model); the passes then take a ValidatedGraph and check nothing again for the use it
// was validated for. A ValidatedGraph
// only comes from validate_graph(), the way a runtime::ModelView only comes from validate_model().
// Like a ModelView, it is a view: the graph must outlive it and stay unchanged.
#pragma once

#include "engine/compiler/graph.h"

namespace tinynas::compiler {

// What a graph is validated for.
enum class GraphUse {
  // The planner's dataflow graph: at least one op; input and output are activation tensors of
  // the graph, the output another than the input; every dimension positive; each op has its
  // kind's number of inputs, all activations that the graph input or an earlier op produced;
  // weights, if any, are constants; each op writes a new activation; and every activation but
  // the input is some op's output.
  kPlanning,
  // A graph a .tnm file can hold and the runtime can run: the same dataflow rules, except that an
  // activation no op writes is allowed (the file keeps it; nothing reads it); and
  // 1..runtime::kMaxTensors tensors, 1..runtime::kMaxOps ops; dimensions up to
  // runtime::kMaxTensorDim and at most 2^31 - 1 elements; activations of batch 1 with a finite
  // positive scale and an int8 zero point; constants holding one value per element; kernels,
  // strides and padding the runtime supports, dilation 1; weights, bias and output shapes that
  // agree with each op's kind and window (a depthwise output's channels a multiple of the
  // input's); pools, reshapes and pads that keep their input's quantization; softmax over at most
  // runtime::kMaxSoftmaxDepth channels into scale 1/256 and zero point -128; concatenations of
  // inputs of the output's height and width; fused activations only on kinds that have one;
  // every constant the weights of exactly one op.
  kModelFile,
  // Both: what a graph that is planned and then written must be.
  kPlanningAndModelFile,
};

class ValidatedGraph {
 public:
  const Graph& graph() const { return *graph_; }
  // True when the graph was validated for `use` (kPlanningAndModelFile covers both others).
  bool valid_for(GraphUse use) const {
    return use_ == use || use_ == GraphUse::kPlanningAndModelFile;
  }

 private:
  ValidatedGraph(const Graph& graph, GraphUse use) : graph_(&graph), use_(use) {}
  friend ValidatedGraph validate_graph(const Graph& graph, GraphUse use, const char* caller);

  const Graph* graph_;
  GraphUse use_;
};

// Throws std::invalid_argument "<caller>: <problem>" naming the op or tensor. Problems are worded
// the way plan_memory (kPlanning: "plan_memory: op 2 (project) reads missing tensor 13") and
// write_model (otherwise: "write_model: op 1 'block.expand' has no output") always have.
ValidatedGraph validate_graph(const Graph& graph, GraphUse use = GraphUse::kPlanningAndModelFile,
                              const char* caller = "validate_graph");

}  // namespace tinynas::compiler
