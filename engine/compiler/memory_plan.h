// The memory planner: tensor lifetimes over the op schedule, placement of every activation into
// one arena, in-place depthwise, and one shared scratch buffer sized by the largest kernel need
// (the kernels' own *_get_buffer_size functions). This is the memory model of the whole
// toolkit: the search asks it, the model file stores its result, the board runs on it.
// plan_memory() chooses the schedule (schedule_choice.cpp); memory_planner.h plans one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/graph_validation.h"

namespace tinynas::compiler {

// How the network's ops run.
enum class Schedule {
  kPlain,     // op by op: the expanded tensor lives in the arena
  kFused,     // every inverted-residual triple (expand 1x1 -> depthwise -> project 1x1)
              // row-streamed (inverted_residual_rows_s8): its two inner tensors get no arena bytes,
              // the scratch holds a ring of kernel_h expanded rows instead
  kPatch,     // the first ops run patch by patch up to a split layer (MCUNetV2, patch_planner.h),
              // the rest op by op; grid and split as PlannerOptions::patch says, or (left at 0)
              // the pair with the smallest peak
  kStreamed,  // a streamed stage (streamed_planner.h): the first ops row by row, each row
              // computed once, every inner tensor a ring of the rows its readers still need;
              // the end of the stage with the smallest peak, fused blocks after it where they
              // lower the peak
  kAuto,      // the smallest peak of plain, fused (per block: fused only where it lowers the peak),
              // streamed and patch, also patch with fused blocks after the split, whose MACs
              // computed beyond the graph's stay within PlannerOptions::max_mac_overhead; the
              // plainer plan on a tie
};

// "plain", "fused", "streamed", "patch", "auto".
const char* schedule_name(Schedule schedule);
// The inverse of schedule_name; throws std::invalid_argument naming the accepted values.
Schedule parse_schedule(const std::string& name);

// Patch-based inference of ops [0, split): once per patch of a grid x grid split of op
// split - 1's output (the split layer). 0 / 0: none (or, in PlannerOptions, "search").
struct PatchConfig {
  int grid = 0;
  int split = 0;  // number of ops in the patch stage
  bool enabled() const { return grid > 0 && split > 0; }
};

// A streamed stage: ops [first, last] of the schedule (runtime::kOpFlagStreamed).
struct StreamedStageRange {
  int first = 0;
  int last = 0;
  int op_count() const { return last - first + 1; }
};

// The default limit of `auto` on MACs computed beyond the graph's own: 10% of them.
inline constexpr double kDefaultMaxMacOverhead = 0.10;

struct PlannerOptions {
  bool in_place_depthwise = true;  // run depthwise convs in place where the input dies there
  Schedule schedule = Schedule::kPlain;
  PatchConfig patch;  // kPatch: this grid and split; 0 / 0: the candidates with the least peak
  // Put the scratch buffer inside the arena, live only while an op that needs it runs (else it
  // is a separate buffer next to the arena). Auto tries both.
  bool scratch_in_arena = false;
  // kAuto: the largest mac_overhead / graph_macs a chosen plan may have (a fraction, >= 0).
  double max_mac_overhead = kDefaultMaxMacOverhead;
};

struct OpMemory {
  int op = -1;
  int64_t live_bytes = 0;         // arena bytes live while the op runs (inputs, outputs, kept)
  int64_t scratch_bytes = 0;      // this op's scratch need
  std::vector<int> live_tensors;  // activation tensors live during the op
  bool in_place = false;
  bool fused_rows = false;  // part of a row-streamed group (the group's work is on its first op)
  bool streamed = false;    // part of a streamed stage (the stage's work is on its first op)
};

// One schedule the auto search considered: its peak and the MACs it computes beyond the graph's.
struct PlanCandidate {
  std::string schedule;  // "plain", "fused", "streamed+fused", "patch", "patch+fused", ...
  int64_t peak_sram_bytes = 0;
  int64_t mac_overhead = 0;
  bool within_limit = true;  // mac_overhead within PlannerOptions::max_mac_overhead
};

struct MemoryPlan {
  std::vector<int64_t> offsets;       // per graph tensor: arena offset, -1 for constants
  std::vector<int> first_use;         // per tensor: op index that produces it (-1: graph input;
                                      // a fused group's output: the group's first op)
  std::vector<int> last_use;          // per tensor: last op index that reads it (a fused group's
                                      // input: the group's last op)
  std::vector<bool> in_place;         // per op: runs in place (depthwise only)
  std::vector<int64_t> op_scratch;    // per op: scratch bytes
  int64_t arena_bytes = 0;            // highest address used in the arena
  int64_t scratch_bytes = 0;          // shared scratch buffer: max over op_scratch (0 when the
                                      // scratch is in the arena)
  int64_t arena_scratch_offset = -1;  // the scratch's arena offset, -1: a separate buffer
  int64_t arena_scratch_bytes = 0;    // its size in the arena: max over op_scratch
  std::vector<OpMemory> per_op;
  // Per op: runs as part of a fused group (all three ops of each group; empty means none).
  // The group's inner tensors are not materialised: their offsets are -1.
  std::vector<bool> fused_rows;
  // kPatch when there is a patch stage, else kStreamed when there is a streamed stage, else
  // kFused when some group runs fused (never kAuto).
  Schedule schedule = Schedule::kPlain;
  // MACs computed beyond the graph's own (graph_macs): row streaming with a ring of kernel_h
  // rows computes every expanded row once (0); a patch stage recomputes the overlap of
  // neighbouring patches' receptive fields.
  int64_t mac_overhead = 0;
  PatchConfig patch;  // the patch stage, if any
  // Per tensor: bytes of one patch's region for tensors inside the patch stage (the arena holds
  // only that much of them, Storage::kPatched); 0 for every other tensor (empty: no stage).
  std::vector<int64_t> patch_region_bytes;
  bool tensor_patched(int tensor) const {
    return !patch_region_bytes.empty() && patch_region_bytes[tensor] > 0;
  }
  // The streamed stages, in schedule order, disjoint, none overlapping a fused group or the
  // patch stage.
  std::vector<StreamedStageRange> streamed_stages;
  // Per tensor: rows of its ring for the outputs of a streamed stage's ops but the last (the
  // arena holds only that many rows, Storage::kRing); 0 for every other tensor (empty: none).
  std::vector<int64_t> ring_rows;
  bool tensor_ring(int tensor) const { return !ring_rows.empty() && ring_rows[tensor] > 0; }
  bool op_streamed(int op) const {
    for (const StreamedStageRange& stage : streamed_stages) {
      if (stage.first <= op && op <= stage.last) return true;
    }
    return false;
  }
  // Bytes `tensor` occupies in the arena from its offset: one patch's region, its ring, or all.
  int64_t tensor_arena_bytes(const Graph& graph, int tensor) const {
    if (tensor_patched(tensor)) return patch_region_bytes[tensor];
    const TensorShape& shape = graph.tensors[tensor].shape;
    if (tensor_ring(tensor)) return ring_rows[tensor] * shape.w * shape.c;
    return graph.tensors[tensor].bytes();
  }
  // kAuto: the Pareto front (smallest peak against fewest extra MACs) of the schedules the
  // search considered, by peak; empty for the other schedules.
  std::vector<PlanCandidate> pareto_front;
  int64_t peak_sram_bytes() const { return arena_bytes + scratch_bytes; }
  bool scratch_in_arena() const { return arena_scratch_offset >= 0; }
  bool op_fused(int op) const { return !fused_rows.empty() && fused_rows[op]; }
};

// The expand ops of every expand 1x1 -> depthwise (depth multiplier 1) -> project 1x1 triple
// that the fused schedule row-streams: consecutive ops, each reading the previous one's output,
// whose two inner tensors nothing else reads and which are not the graph output.
// Non-overlapping, in schedule order.
std::vector<int> find_fused_groups(const Graph& graph);

// A graph validated once (graph_validation.h) can be planned under many options without being
// checked again (one not validated for GraphUse::kPlanning is validated for it first).
MemoryPlan plan_memory(const ValidatedGraph& graph, const PlannerOptions& options = {});

// Validates the graph (GraphUse::kPlanning; throws std::invalid_argument naming the op or
// tensor when it is malformed) and plans it.
MemoryPlan plan_memory(const Graph& graph, const PlannerOptions& options = {});

}  // namespace tinynas::compiler
