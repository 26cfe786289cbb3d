#include "engine/compiler/tensor_lifetimes.h"

#include <algorithm>

#include "engine/runtime/model_format.h"

namespace tinynas::compiler {

TensorLifetimes tensor_lifetimes(const ValidatedGraph& validated,
                                 const std::vector<int>& fused_groups, int patch_split,
                                 const std::vector<StreamedStageRange>& streamed_stages) {
  const Graph& graph = validated.graph();
  const int op_count = static_cast<int>(graph.ops.size());
  TensorLifetimes lifetimes;
  lifetimes.first_use.assign(graph.tensors.size(), -1);
  lifetimes.last_use.assign(graph.tensors.size(), -1);
  std::vector<int>& first_use = lifetimes.first_use;
  std::vector<int>& last_use = lifetimes.last_use;
  for (int i = 0; i < op_count; ++i) {
    const Op& op = graph.ops[i];
    for (int input : op.inputs) last_use[input] = std::max(last_use[input], i);
    first_use[op.output] = i;
    last_use[op.output] = std::max(last_use[op.output], i);
  }
  last_use[graph.output] = op_count - 1;
  for (int first : fused_groups) {
    const int last = first + runtime::kFusedGroupOpCount - 1;
    const int input = graph.ops[first].inputs[0];
    last_use[input] = std::max(last_use[input], last);
    first_use[graph.ops[last].output] = first;
  }
  for (const StreamedStageRange& stage : streamed_stages) {
    for (int k = stage.first; k <= stage.last; ++k) {
      for (int input : graph.ops[k].inputs) last_use[input] = std::max(last_use[input], stage.last);
      first_use[graph.ops[k].output] = stage.first;
    }
  }
  if (patch_split > 0) {
    last_use[graph.input] = std::max(last_use[graph.input], patch_split - 1);
    first_use[graph.ops[patch_split - 1].output] = 0;
  }
  return lifetimes;
}

}  // namespace tinynas::compiler
