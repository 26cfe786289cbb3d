// The memory planner: tensor lifetimes over the op schedule, placement of every activation into
// one arena, in-place depthwise, and one shared scratch buffer sized by the largest kernel need
// (the kernels' own *_get_buffer_size functions). This is the memory model of the whole
// toolkit: the search asks it, the model file stores its result, the board runs on it.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compiler/graph.h"

namespace tinynas::compiler {

struct PlannerOptions {
  bool in_place_depthwise = true;  // run depthwise convs in place where the input dies there
};

struct OpMemory {
  int op = -1;
  int64_t live_bytes = 0;         // arena bytes live while the op runs (inputs, outputs, kept)
  int64_t scratch_bytes = 0;      // this op's scratch need
  std::vector<int> live_tensors;  // activation tensors live during the op
  bool in_place = false;
};

struct MemoryPlan {
  std::vector<int64_t> offsets;     // per graph tensor: arena offset, -1 for constants
  std::vector<int> first_use;       // per tensor: op index that produces it (-1: graph input)
  std::vector<int> last_use;        // per tensor: last op index that reads it
  std::vector<bool> in_place;       // per op: runs in place (depthwise only)
  std::vector<int64_t> op_scratch;  // per op: scratch bytes
  int64_t arena_bytes = 0;          // highest address used in the arena
  int64_t scratch_bytes = 0;        // shared scratch buffer: max over op_scratch
  std::vector<OpMemory> per_op;
  int64_t peak_sram_bytes() const { return arena_bytes + scratch_bytes; }
};

// Throws std::invalid_argument naming the op/tensor when the graph is malformed.
MemoryPlan plan_memory(const Graph& graph, const PlannerOptions& options = {});

}  // namespace tinynas::compiler
