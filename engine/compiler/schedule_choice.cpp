// Schedule choice (memory_plan.h): plain, fused, patch, or the smallest peak of them all (auto).
// Each candidate schedule is planned by plan_schedule (memory_planner.h).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/patch_planner.h"

namespace tinynas::compiler {
namespace {

[[noreturn]] void malformed(const std::string& message) {
  throw std::invalid_argument("plan_memory: " + message);
}

bool is_pointwise(const Op& op) {
  return op.kind == OpKind::kConv2d && op.kernel_h == 1 && op.kernel_w == 1 && op.stride_h == 1 &&
         op.stride_w == 1 && op.pad_top == 0 && op.pad_left == 0 && op.pad_bottom == 0 &&
         op.pad_right == 0;
}

}  // namespace

const char* schedule_name(Schedule schedule) {
  switch (schedule) {
    case Schedule::kPlain:
      return "plain";
    case Schedule::kFused:
      return "fused";
    case Schedule::kPatch:
      return "patch";
    case Schedule::kAuto:
      return "auto";
  }
  return "plain";
}

Schedule parse_schedule(const std::string& name) {
  for (Schedule schedule :
       {Schedule::kPlain, Schedule::kFused, Schedule::kPatch, Schedule::kAuto}) {
    if (name == schedule_name(schedule)) return schedule;
  }
  throw std::invalid_argument("unknown schedule '" + name +
                              "' (expected plain, fused, patch or auto)");
}

std::vector<int> find_fused_groups(const Graph& graph) {
  const int op_count = static_cast<int>(graph.ops.size());
  const int tensor_count = static_cast<int>(graph.tensors.size());
  std::vector<int> readers(tensor_count, 0);
  for (const Op& op : graph.ops) {
    for (int input : op.inputs) {
      if (input >= 0 && input < tensor_count) ++readers[input];
    }
  }
  // An inner tensor of a group: read once (by the next op of the group), not the graph output.
  auto streamable = [&](int tensor) {
    return tensor >= 0 && tensor < tensor_count && readers[tensor] == 1 && tensor != graph.output;
  };
  std::vector<int> groups;
  for (int i = 0; i + runtime::kFusedGroupOpCount <= op_count; ++i) {
    const Op& expand = graph.ops[i];
    const Op& depthwise = graph.ops[i + 1];
    const Op& project = graph.ops[i + 2];
    const bool matches =
        is_pointwise(expand) && depthwise.kind == OpKind::kDepthwiseConv2d &&
        is_pointwise(project) && depthwise.inputs.size() == 1 &&
        graph.tensors[depthwise.output].shape.c == graph.tensors[expand.output].shape.c &&
        depthwise.inputs[0] == expand.output && project.inputs.size() == 1 &&
        project.inputs[0] == depthwise.output && streamable(expand.output) &&
        streamable(depthwise.output);
    if (!matches) continue;
    groups.push_back(i);
    i += runtime::kFusedGroupOpCount - 1;
  }
  return groups;
}

namespace {

// The fused groups (expand op indices) that start after a patch stage of `split` ops.
std::vector<int> groups_after(const std::vector<int>& groups, int split) {
  std::vector<int> after;
  for (int group : groups) {
    if (group >= split) after.push_back(group);
  }
  return after;
}

// True when `candidate` beats `best`: a smaller peak, or the same peak with fewer MACs redone.
bool better_plan(const MemoryPlan& candidate, const MemoryPlan& best) {
  if (candidate.peak_sram_bytes() != best.peak_sram_bytes()) {
    return candidate.peak_sram_bytes() < best.peak_sram_bytes();
  }
  return candidate.mac_overhead < best.mac_overhead;
}

// Fused per block (after the patch stage, if any): start from every group fused and give groups
// back to the plain schedule, largest ring first, whenever that does not raise the peak. A ring
// only costs while it is the largest scratch, and fusing only pays where the expanded tensor
// sets the arena's peak, so usually just the peak-setting blocks stay fused. The result is never
// worse than no or all groups fused (both are candidates); ties go to the plainer plan.
MemoryPlan plan_fused_per_block(const ValidatedGraph& validated, const PlannerOptions& options,
                                const PatchConfig& patch) {
  const Graph& graph = validated.graph();
  MemoryPlan plain = plan_schedule(validated, options, {}, patch);
  std::vector<int> groups = groups_after(find_fused_groups(graph), patch.split);
  if (groups.empty()) return plain;
  MemoryPlan best = plan_schedule(validated, options, groups, patch);
  std::vector<int> by_ring = groups;
  std::stable_sort(by_ring.begin(), by_ring.end(),
                   [&](int a, int b) { return best.op_scratch[a] > best.op_scratch[b]; });
  for (int group : by_ring) {
    std::vector<int> fewer;
    for (int g : groups) {
      if (g != group) fewer.push_back(g);
    }
    MemoryPlan candidate = plan_schedule(validated, options, fewer, patch);
    if (candidate.peak_sram_bytes() <= best.peak_sram_bytes()) {
      best = std::move(candidate);
      groups = std::move(fewer);
    }
  }
  return best.peak_sram_bytes() < plain.peak_sram_bytes() ? std::move(best) : std::move(plain);
}

// The patch schedule: options.patch if set, else the split and grid with the smallest peak
// (fewest recomputed MACs on a tie), trying every split find_patch_splits() allows with every
// grid patch_grids() offers. The ops after the split run plain, or (`fuse_rest`) with every
// fused group there row-streamed. Throws std::invalid_argument when no stage is possible.
MemoryPlan plan_patch(const ValidatedGraph& validated, const PlannerOptions& options,
                      bool fuse_rest) {
  const Graph& graph = validated.graph();
  const std::vector<int> groups = fuse_rest ? find_fused_groups(graph) : std::vector<int>{};
  if (options.patch.enabled()) {
    const std::string problem = patch_stage_problem(graph, options.patch);
    if (!problem.empty()) malformed("no patch stage of this grid and split: " + problem);
    return plan_schedule(validated, options, groups_after(groups, options.patch.split),
                         options.patch);
  }
  MemoryPlan best;
  bool have_best = false;
  for (int split : find_patch_splits(graph)) {
    for (int grid : patch_grids(graph, split)) {
      const PatchConfig patch{grid, split};
      MemoryPlan candidate = plan_schedule(validated, options, groups_after(groups, split), patch);
      if (!have_best || better_plan(candidate, best)) {
        best = std::move(candidate);
        have_best = true;
      }
    }
  }
  if (!have_best) {
    malformed("no patch stage possible: op 0 (" + graph.ops[0].name + ") cannot start one (" +
              patch_stage_problem(graph, PatchConfig{2, 1}) + ")");
  }
  return best;
}

// Auto: the smallest peak of plain, fused per block, patch, and patch with fused blocks after
// the split (its blocks chosen per block like the fused candidate's), each with the scratch
// apart and in the arena. Ties go to the earlier.
MemoryPlan plan_auto_with(const ValidatedGraph& validated, const PlannerOptions& options) {
  const Graph& graph = validated.graph();
  MemoryPlan best = plan_fused_per_block(validated, options, {});  // plain when fusing never pays
  // A patch stage needs a split whose output fits at least a 2 x 2 grid.
  bool patchable = false;
  for (int split : find_patch_splits(graph))
    patchable = patchable || !patch_grids(graph, split).empty();
  if (!patchable) return best;
  PlannerOptions patch_options = options;
  MemoryPlan patched = plan_patch(validated, patch_options, false);
  MemoryPlan patched_fused = plan_patch(validated, patch_options, true);
  patch_options.patch = patched_fused.patch;
  patched_fused = plan_fused_per_block(validated, patch_options, patched_fused.patch);
  for (MemoryPlan* candidate : {&patched, &patched_fused}) {
    if (candidate->peak_sram_bytes() < best.peak_sram_bytes()) best = std::move(*candidate);
  }
  return best;
}

// Auto also tries the scratch inside the arena when the options keep it apart.
MemoryPlan plan_auto(const ValidatedGraph& validated, const PlannerOptions& options) {
  MemoryPlan best = plan_auto_with(validated, options);
  if (options.scratch_in_arena) return best;
  PlannerOptions shared = options;
  shared.scratch_in_arena = true;
  MemoryPlan candidate = plan_auto_with(validated, shared);
  return candidate.peak_sram_bytes() < best.peak_sram_bytes() ? std::move(candidate)
                                                              : std::move(best);
}

}  // namespace

MemoryPlan plan_memory(const ValidatedGraph& graph, const PlannerOptions& options) {
  if (!graph.valid_for(GraphUse::kPlanning)) {
    return plan_memory(validate_graph(graph.graph(), GraphUse::kPlanning, "plan_memory"), options);
  }
  switch (options.schedule) {
    case Schedule::kPlain:
      return plan_schedule(graph, options, {});
    case Schedule::kFused:
      return plan_schedule(graph, options, find_fused_groups(graph.graph()));
    case Schedule::kPatch:
      return plan_patch(graph, options, false);
    case Schedule::kAuto:
      return plan_auto(graph, options);
  }
  return plan_schedule(graph, options, {});
}

MemoryPlan plan_memory(const Graph& graph, const PlannerOptions& options) {
  return plan_memory(validate_graph(graph, GraphUse::kPlanning, "plan_memory"), options);
}

}  // namespace tinynas::compiler
