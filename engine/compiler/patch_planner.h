// Patch-based inference for the memory planner (MCUNetV2, Lin et al., NeurIPS 2021, section 3.1):
// which ops of a graph can form a patch stage, and what one costs — each stage tensor's region
// bytes, each op's gather scratch and the MACs the overlapping patches recompute. The geometry
// itself is the runtime's (engine/runtime/patch_geometry.h), so planner, model validator and
// patch executor agree by construction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/memory_plan.h"

namespace tinynas::compiler {

// Grids the planner tries when it searches (2 x 2 up to this, and never past the split output).
inline constexpr int kMaxSearchedPatchGrid = 8;

struct PatchStageFacts {
  // Per stage op: its output's largest per-patch region in bytes (0 for the split op, whose
  // output is whole in the arena).
  std::vector<int64_t> region_bytes;
  std::vector<int64_t> op_scratch;  // per stage op: the largest gathered window (patch executor)
  int64_t mac_overhead = 0;         // conv / depthwise MACs computed beyond graph_macs
  // How far below the graph input the split output must start to share its bytes
  // (runtime::split_output_lead_bytes; the planner does so when the input dies in the stage).
  int64_t split_output_lead_bytes = 0;
};

// Why ops [0, config.split) of `graph` cannot run as a patch stage of config.grid^2 patches, or
// "" when they can: every stage op is a convolution, depthwise convolution or add reading the
// graph input or an earlier stage op's output; the stage's tensors other than the split output
// are read inside the stage only (and by something there); grid and split within the format's
// limits and the grid no larger than the split output.
std::string patch_stage_problem(const Graph& graph, const PatchConfig& config);

// Split op counts that can end a patch stage (ignoring the grid), in increasing order.
std::vector<int> find_patch_splits(const Graph& graph);

// The grids worth trying at `split`: 2 .. min(kMaxSearchedPatchGrid, split output height, width).
std::vector<int> patch_grids(const Graph& graph, int split);

// The stage's costs; `config` must have no patch_stage_problem().
PatchStageFacts patch_stage_facts(const Graph& graph, const PatchConfig& config);

}  // namespace tinynas::compiler
