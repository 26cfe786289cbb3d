// Tensor lifetimes over the op schedule (the memory planner's first step, and how an imported
// model's stored plan is reported). A tensor is live from the op that produces it (the graph
// input: from before op 0, index -1) to the last op that reads it (the graph output: to the end
// of the schedule), inclusive, so an op's inputs and outputs are live together. A fused group
// reads its input and writes its output during all three of its ops, so the input lives to the
// group's last op and the output from its first. A patch stage's ops run once per patch: the
// graph input is read, and the split output written, by every patch, so both live through the
// whole stage. A streamed stage computes its ops' rows in turns: every tensor one of its ops reads
// lives to the stage's last op, every tensor one writes from the stage's first.
#pragma once

#include <vector>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/memory_plan.h"

namespace tinynas::compiler {

struct TensorLifetimes {
  std::vector<int> first_use;  // per tensor; -1 for the graph input and for constants
  std::vector<int> last_use;   // per tensor; -1 for constants
};

// `fused_groups`: the expand op of each row-streamed group; `patch_split`: the number of ops in
// the patch stage (0: none); `streamed_stages`: the streamed stages.
TensorLifetimes tensor_lifetimes(const ValidatedGraph& graph, const std::vector<int>& fused_groups,
                                 int patch_split,
                                 const std::vector<StreamedStageRange>& streamed_stages = {});

}  // namespace tinynas::compiler
