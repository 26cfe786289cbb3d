// Schedule choice (memory_plan.h): plain, fused, patch, or the smallest peak of them all (auto).
// Each candidate schedule is planned by plan_schedule (memory_planner.h).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/patch_planner.h"
#include "engine/compiler/streamed_planner.h"

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
    case Schedule::kStreamed:
      return "streamed";
    case Schedule::kAuto:
      return "auto";
  }
  return "plain";
}

Schedule parse_schedule(const std::string& name) {
  for (Schedule schedule : {Schedule::kPlain, Schedule::kFused, Schedule::kStreamed,
                            Schedule::kPatch, Schedule::kAuto}) {
    if (name == schedule_name(schedule)) return schedule;
  }
  throw std::invalid_argument("unknown schedule '" + name +
                              "' (expected plain, fused, streamed, patch or auto)");
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

// The fused groups (expand op indices) that start after a patch stage of `split` ops and share
// no op with a streamed stage.
std::vector<int> groups_outside(const std::vector<int>& groups, int split,
                                const std::vector<StreamedStageRange>& stages) {
  std::vector<int> outside;
  for (int group : groups_after(groups, split)) {
    const int group_last = group + runtime::kFusedGroupOpCount - 1;
    bool overlaps = false;
    for (const StreamedStageRange& stage : stages) {
      overlaps = overlaps || (group <= stage.last && stage.first <= group_last);
    }
    if (!overlaps) outside.push_back(group);
  }
  return outside;
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
// With `stages` (streamed stages after the patch stage), the groups outside them.
MemoryPlan plan_fused_per_block(const ValidatedGraph& validated, const PlannerOptions& options,
                                const PatchConfig& patch,
                                const std::vector<StreamedStageRange>& stages = {}) {
  const Graph& graph = validated.graph();
  MemoryPlan plain = plan_schedule(validated, options, {}, patch, stages);
  std::vector<int> groups = groups_outside(find_fused_groups(graph), patch.split, stages);
  if (groups.empty()) return plain;
  MemoryPlan best = plan_schedule(validated, options, groups, patch, stages);
  std::vector<int> by_ring = groups;
  std::stable_sort(by_ring.begin(), by_ring.end(),
                   [&](int a, int b) { return best.op_scratch[a] > best.op_scratch[b]; });
  for (int group : by_ring) {
    std::vector<int> fewer;
    for (int g : groups) {
      if (g != group) fewer.push_back(g);
    }
    MemoryPlan candidate = plan_schedule(validated, options, fewer, patch, stages);
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
// With `max_overhead` >= 0, candidates that recompute more MACs are skipped (and none may be
// left: the returned plan is then plain, which recomputes nothing).
MemoryPlan plan_patch(const ValidatedGraph& validated, const PlannerOptions& options,
                      bool fuse_rest, int64_t max_overhead = -1) {
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
      if (max_overhead >= 0 && candidate.mac_overhead > max_overhead) continue;
      if (!have_best || better_plan(candidate, best)) {
        best = std::move(candidate);
        have_best = true;
      }
    }
  }
  if (!have_best && max_overhead >= 0) return plan_schedule(validated, options, {});
  if (!have_best) {
    malformed("no patch stage possible: op 0 (" + graph.ops[0].name + ") cannot start one (" +
              patch_stage_problem(graph, PatchConfig{2, 1}) + ")");
  }
  return best;
}

// The op whose live bytes and scratch are the largest: where the plan's peak sits.
int peak_op(const MemoryPlan& plan) {
  int peak = 0;
  int64_t peak_bytes = -1;
  for (const OpMemory& memory : plan.per_op) {
    const int64_t bytes = memory.live_bytes + memory.scratch_bytes;
    if (bytes > peak_bytes) {
      peak_bytes = bytes;
      peak = memory.op;
    }
  }
  return peak;
}

bool overlaps_any(const StreamedStageRange& range, const std::vector<StreamedStageRange>& stages) {
  for (const StreamedStageRange& stage : stages) {
    if (range.first <= stage.last && stage.first <= range.last) return true;
  }
  return false;
}

// The streamed schedule: first the best of the chains streamed_chains() proposes (every fused
// group outside them row-streamed),
// then greedily the streamed stage over the op where the peak sits (of at most
// kStreamedStageReach ops) that lowers the peak most, while one does; then fused per block
// outside the stages. Each stage computes every row once, so the MAC overhead stays 0.
constexpr int kStreamedStageReach = 16;
// Chains the streamed schedule plans in full (the most promising by their estimate).
constexpr size_t kStreamedChainsPlanned = 12;

// What a stage holds in the arena while it runs, estimated without placing it: its input and
// (over the input's dead rows) output, its rings, its largest gathered window, and the whole
// tensors from before it that it reads.
int64_t stage_estimate(const Graph& graph, const StreamedStageRange& stage) {
  const StreamedStageFacts facts = streamed_stage_facts(graph, stage);
  const int input = graph.ops[stage.first].inputs[0];
  const int64_t input_bytes = graph.tensors[input].bytes();
  const int64_t output_bytes = graph.tensors[graph.ops[stage.last].output].bytes();
  int64_t bytes = std::max(input_bytes + facts.output_lead_bytes, output_bytes);
  int64_t gather = 0;
  std::vector<int> whole;
  for (int k = stage.first; k <= stage.last; ++k) {
    const TensorShape& shape = graph.tensors[graph.ops[k].output].shape;
    bytes += facts.ring_rows[k - stage.first] * shape.w * shape.c;
    gather = std::max(gather, facts.op_scratch[k - stage.first]);
    for (int tensor : graph.ops[k].inputs) {
      const bool inside = graph.tensors[tensor].is_constant || tensor == input ||
                          std::any_of(graph.ops.begin() + stage.first, graph.ops.begin() + k,
                                      [&](const Op& op) { return op.output == tensor; });
      if (!inside && std::find(whole.begin(), whole.end(), tensor) == whole.end()) {
        whole.push_back(tensor);
        bytes += graph.tensors[tensor].bytes();
      }
    }
  }
  return bytes + gather;
}

// Chains of streamed stages from op 0 (each stage starting where the previous ends), found by
// dynamic programming over stage ends: for each op that can end a chain, the chain whose
// largest stage_estimate is smallest. The most promising (smallest estimates), best first.
std::vector<std::vector<StreamedStageRange>> streamed_chains(const Graph& graph) {
  const int op_count = static_cast<int>(graph.ops.size());
  constexpr int64_t kNone = -1;
  std::vector<int64_t> cost(op_count, kNone);  // of the best chain ending at op j
  std::vector<int> start(op_count, -1);        // its last stage's first op
  for (int first = 0; first < op_count; ++first) {
    if (first > 0 && cost[first - 1] == kNone) continue;  // no chain reaches here
    const int64_t before = first > 0 ? cost[first - 1] : 0;
    for (int last : find_streamed_stage_ends(graph, first)) {
      if (last - first + 1 > kStreamedStageReach) break;
      const int64_t chain_cost = std::max(before, stage_estimate(graph, {first, last}));
      if (cost[last] == kNone || chain_cost < cost[last]) {
        cost[last] = chain_cost;
        start[last] = first;
      }
    }
  }
  std::vector<int> ends;
  for (int j = 0; j < op_count; ++j) {
    if (cost[j] != kNone) ends.push_back(j);
  }
  std::stable_sort(ends.begin(), ends.end(), [&](int a, int b) { return cost[a] < cost[b]; });
  if (ends.size() > kStreamedChainsPlanned) ends.resize(kStreamedChainsPlanned);
  std::vector<std::vector<StreamedStageRange>> chains;
  for (int end : ends) {
    std::vector<StreamedStageRange> chain;
    for (int last = end; last >= 0; last = start[last] - 1) {
      chain.insert(chain.begin(), StreamedStageRange{start[last], last});
    }
    chains.push_back(std::move(chain));
  }
  return chains;
}

MemoryPlan plan_streamed(const ValidatedGraph& validated, const PlannerOptions& options) {
  const Graph& graph = validated.graph();
  const std::vector<int> groups = find_fused_groups(graph);
  auto plan_for = [&](const std::vector<StreamedStageRange>& stages) {
    return plan_schedule(validated, options, groups_outside(groups, 0, stages), {}, stages);
  };
  std::vector<StreamedStageRange> stages;
  MemoryPlan best = plan_for(stages);
  for (const std::vector<StreamedStageRange>& chain : streamed_chains(graph)) {
    MemoryPlan candidate = plan_for(chain);
    if (candidate.peak_sram_bytes() < best.peak_sram_bytes()) {
      best = std::move(candidate);
      stages = chain;
    }
  }
  while (true) {
    const int peak = peak_op(best);
    std::vector<StreamedStageRange> best_stages;
    MemoryPlan round_best;
    bool improved = false;
    for (int first = std::max(0, peak - kStreamedStageReach + 1); first <= peak; ++first) {
      for (int last : find_streamed_stage_ends(graph, first)) {
        if (last < peak) continue;
        if (last - first + 1 > kStreamedStageReach) break;
        const StreamedStageRange range{first, last};
        if (overlaps_any(range, stages)) continue;
        std::vector<StreamedStageRange> candidate_stages = stages;
        candidate_stages.push_back(range);
        std::sort(candidate_stages.begin(), candidate_stages.end(),
                  [](const StreamedStageRange& a, const StreamedStageRange& b) {
                    return a.first < b.first;
                  });
        MemoryPlan candidate = plan_for(candidate_stages);
        const int64_t to_beat = improved ? round_best.peak_sram_bytes() : best.peak_sram_bytes();
        if (candidate.peak_sram_bytes() < to_beat) {
          round_best = std::move(candidate);
          best_stages = std::move(candidate_stages);
          improved = true;
        }
      }
    }
    if (!improved) break;
    best = std::move(round_best);
    stages = std::move(best_stages);
  }
  if (stages.empty()) return plan_fused_per_block(validated, options, {});
  return plan_fused_per_block(validated, options, {}, stages);
}

// One point of the auto schedule's search.
void consider(const MemoryPlan& plan, int64_t max_overhead, std::vector<PlanCandidate>* front) {
  PlanCandidate point;
  point.schedule = schedule_name(plan.schedule);
  const bool fused =
      std::find(plan.fused_rows.begin(), plan.fused_rows.end(), true) != plan.fused_rows.end();
  if (fused && plan.schedule != Schedule::kFused) point.schedule += "+fused";
  point.peak_sram_bytes = plan.peak_sram_bytes();
  point.mac_overhead = plan.mac_overhead;
  point.within_limit = plan.mac_overhead <= max_overhead;
  front->push_back(point);
}

// Auto: the smallest peak of plain, fused per block, streamed (with fused blocks after it),
// patch, and patch with fused blocks after the split (its blocks chosen per block like the
// fused candidate's), each with the scratch apart and in the arena, among the plans whose MAC
// overhead is within options.max_mac_overhead of the graph's MACs (plain always is). Patch
// stages are searched within the limit. Ties go to the earlier.
MemoryPlan plan_auto_with(const ValidatedGraph& validated, const PlannerOptions& options,
                          std::vector<PlanCandidate>* considered) {
  const Graph& graph = validated.graph();
  const int64_t max_overhead =
      static_cast<int64_t>(options.max_mac_overhead * static_cast<double>(graph_macs(graph)));
  MemoryPlan best = plan_fused_per_block(validated, options, {});  // plain when fusing never pays
  consider(best, max_overhead, considered);
  std::vector<MemoryPlan> candidates;
  candidates.push_back(plan_streamed(validated, options));
  // A patch stage needs a split whose output fits at least a 2 x 2 grid.
  bool patchable = false;
  for (int split : find_patch_splits(graph))
    patchable = patchable || !patch_grids(graph, split).empty();
  if (patchable) {
    PlannerOptions patch_options = options;
    // The unlimited patch plans are points of the front too (outside the limit when too costly).
    for (bool fuse_rest : {false, true}) {
      consider(plan_patch(validated, patch_options, fuse_rest), max_overhead, considered);
    }
    candidates.push_back(plan_patch(validated, patch_options, false, max_overhead));
    MemoryPlan patched_fused = plan_patch(validated, patch_options, true, max_overhead);
    if (patched_fused.patch.enabled()) {
      patch_options.patch = patched_fused.patch;
      patched_fused = plan_fused_per_block(validated, patch_options, patched_fused.patch);
    }
    candidates.push_back(std::move(patched_fused));
  }
  for (MemoryPlan& candidate : candidates) {
    consider(candidate, max_overhead, considered);
    if (candidate.mac_overhead > max_overhead) continue;
    if (candidate.peak_sram_bytes() < best.peak_sram_bytes()) best = std::move(candidate);
  }
  return best;
}

// The points no other point beats in both peak and MAC overhead, by peak.
std::vector<PlanCandidate> pareto_front(std::vector<PlanCandidate> points) {
  std::sort(points.begin(), points.end(), [](const PlanCandidate& a, const PlanCandidate& b) {
    if (a.peak_sram_bytes != b.peak_sram_bytes) return a.peak_sram_bytes < b.peak_sram_bytes;
    return a.mac_overhead < b.mac_overhead;
  });
  std::vector<PlanCandidate> front;
  for (const PlanCandidate& point : points) {
    if (!front.empty() && front.back().mac_overhead <= point.mac_overhead) continue;
    front.push_back(point);
  }
  return front;
}

// Auto also tries the scratch inside the arena when the options keep it apart.
MemoryPlan plan_auto(const ValidatedGraph& validated, const PlannerOptions& options) {
  if (!(options.max_mac_overhead >= 0.0)) {
    malformed("the MAC overhead limit must be >= 0, not " +
              std::to_string(options.max_mac_overhead));
  }
  std::vector<PlanCandidate> considered;
  MemoryPlan best = plan_auto_with(validated, options, &considered);
  if (!options.scratch_in_arena) {
    PlannerOptions shared = options;
    shared.scratch_in_arena = true;
    MemoryPlan candidate = plan_auto_with(validated, shared, &considered);
    if (candidate.peak_sram_bytes() < best.peak_sram_bytes()) best = std::move(candidate);
  }
  best.pareto_front = pareto_front(std::move(considered));
  return best;
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
    case Schedule::kStreamed:
      return plan_streamed(graph, options);
    case Schedule::kAuto:
      return plan_auto(graph, options);
  }
  return plan_schedule(graph, options, {});
}

MemoryPlan plan_memory(const Graph& graph, const PlannerOptions& options) {
  return plan_memory(validate_graph(graph, GraphUse::kPlanning, "plan_memory"), options);
}

}  // namespace tinynas::compiler
