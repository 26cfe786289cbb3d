// TF-Lite Micro's greedy planner, as memory reports it: largest buffer first, each at the lowest
// offset clear of the placed buffers it shares an op with, sizes rounded up to 16 bytes.
#include "engine/compiler/tflm_greedy_estimate.h"

#include <gtest/gtest.h>

#include "engine/compiler/graph.h"

namespace tinynas::compiler {
namespace {

int activation(Graph& graph, int channels) {
  Tensor tensor;
  tensor.shape = {1, 1, 1, channels};
  return graph.add_tensor(tensor);
}

int requantize(Graph& graph, int input, int output) {
  Op op;
  op.kind = OpKind::kQuantize;
  op.inputs = {input};
  op.output = output;
  return graph.add_op(op);
}

TEST(TflmGreedyEstimate, LargestFirstLowestNonOverlappingOffset) {
  // input (100 -> 112 B) -> a (200 -> 208 B) -> b (50 -> 64 B). a goes first at 0; the input
  // lives with a at op 0, so it goes above it at 208; b lives with a at op 1, so 208 too.
  Graph graph;
  graph.input = activation(graph, 100);
  const int a = activation(graph, 200);
  graph.output = activation(graph, 50);
  requantize(graph, graph.input, a);
  requantize(graph, a, graph.output);
  EXPECT_EQ(tflm_greedy_arena_bytes(validate_graph(graph, GraphUse::kPlanning)), 208 + 112);
}

TEST(TflmGreedyEstimate, TensorsThatNeverMeetShareOffsets) {
  // x -> a -> b -> c: a and c never live together, so c reuses a's place; the largest live pair
  // decides the arena.
  Graph graph;
  graph.input = activation(graph, 64);
  const int a = activation(graph, 256);
  const int b = activation(graph, 32);
  graph.output = activation(graph, 240);
  requantize(graph, graph.input, a);
  requantize(graph, a, b);
  requantize(graph, b, graph.output);
  EXPECT_EQ(tflm_greedy_arena_bytes(validate_graph(graph, GraphUse::kPlanning)), 256 + 64);
}

}  // namespace
}  // namespace tinynas::compiler
