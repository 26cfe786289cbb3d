#include "engine/compiler/tflm_greedy_estimate.h"

#include <vector>

#include "engine/compiler/arena_placement.h"
#include "engine/compiler/placement_strategies.h"
#include "engine/compiler/tensor_lifetimes.h"

namespace tinynas::compiler {

// The rule, from TF-Lite Micro's published description of GreedyMemoryPlanner
// (tensorflow/lite/micro/memory_planner/greedy_memory_planner.h, "a greedy algorithm that sorts
// buffers by size, largest first, and places each at the lowest offset where it does not overlap
// any already-placed buffer whose lifetime overlaps its own"): buffers sorted by size descending,
// each put at the first gap, from offset 0 up, that fits it among the placed buffers live at the
// same time. Here that is GreedyPlacement's largest-first order with first fit, over one buffer
// per activation tensor at its plain (op-by-op) lifetime, with TF-Lite Micro's 16-byte sizes.
int64_t tflm_greedy_arena_bytes(const ValidatedGraph& validated) {
  const Graph& graph = validated.graph();
  const TensorLifetimes lifetimes = tensor_lifetimes(validated, {}, 0);
  std::vector<Buffer> buffers;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (graph.tensors[t].is_constant) continue;
    Buffer buffer;
    buffer.tensors = {static_cast<int>(t)};
    buffer.first = lifetimes.first_use[t] < 0 ? 0 : lifetimes.first_use[t];
    buffer.last = lifetimes.last_use[t] < buffer.first ? buffer.first : lifetimes.last_use[t];
    buffer.max_bytes = align_up(graph.tensors[t].bytes(), kTflmBufferAlignment);
    buffer.segments = {Segment{buffer.first, buffer.last, buffer.max_bytes}};
    buffers.push_back(buffer);
  }
  return place_greedily(buffers, sorted_order(buffers, BufferOrder::kLargestFirst), Fit::kFirst)
      .arena_bytes;
}

}  // namespace tinynas::compiler
