// The memory planner: tensor lifetimes over the op schedule, placement of every activation into
// one arena, in-place depthwise, and one shared scratch buffer sized by the largest kernel need
// (the kernels' own *_get_buffer_size functions). This is the memory model of the whole
// toolkit: the search asks it, the model file stores its result, the board runs on it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"

namespace tinynas::compiler {

// How inverted-residual blocks (expand 1x1 -> depthwise -> project 1x1) run.
enum class Schedule {
  kPlain,  // op by op: the expanded tensor lives in the arena
  kFused,  // every such triple row-streamed (inverted_residual_rows_s8): its two inner tensors
           // get no arena bytes, the scratch holds a ring of kernel_h expanded rows instead
  kAuto,   // per block: fused only where it lowers the network's peak SRAM (never above plain
           // or all-fused; plain on a tie)
};

// "plain", "fused", "auto".
const char* schedule_name(Schedule schedule);
// The inverse of schedule_name; throws std::invalid_argument naming the accepted values.
Schedule parse_schedule(const std::string& name);

struct PlannerOptions {
  bool in_place_depthwise = true;  // run depthwise convs in place where the input dies there
  Schedule schedule = Schedule::kPlain;
};

struct OpMemory {
  int op = -1;
  int64_t live_bytes = 0;         // arena bytes live while the op runs (inputs, outputs, kept)
  int64_t scratch_bytes = 0;      // this op's scratch need
  std::vector<int> live_tensors;  // activation tensors live during the op
  bool in_place = false;
  bool fused_rows = false;  // part of a row-streamed group (the group's work is on its first op)
};

struct MemoryPlan {
  std::vector<int64_t> offsets;     // per graph tensor: arena offset, -1 for constants
  std::vector<int> first_use;       // per tensor: op index that produces it (-1: graph input;
                                    // a fused group's output: the group's first op)
  std::vector<int> last_use;        // per tensor: last op index that reads it (a fused group's
                                    // input: the group's last op)
  std::vector<bool> in_place;       // per op: runs in place (depthwise only)
  std::vector<int64_t> op_scratch;  // per op: scratch bytes
  int64_t arena_bytes = 0;          // highest address used in the arena
  int64_t scratch_bytes = 0;        // shared scratch buffer: max over op_scratch
  std::vector<OpMemory> per_op;
  // Per op: runs as part of a fused group (all three ops of each group; empty means none).
  // The group's inner tensors are not materialised: their offsets are -1.
  std::vector<bool> fused_rows;
  Schedule schedule = Schedule::kPlain;  // kFused when some group runs fused (never kAuto)
  // MACs computed beyond the graph's own (graph_macs): row streaming with a ring of kernel_h
  // rows computes every expanded row once, so 0 under both schedules.
  int64_t mac_overhead = 0;
  int64_t peak_sram_bytes() const { return arena_bytes + scratch_bytes; }
  bool op_fused(int op) const { return !fused_rows.empty() && fused_rows[op]; }
};

// The expand ops of every expand 1x1 -> depthwise -> project 1x1 triple that the fused schedule
// row-streams: consecutive ops, each reading the previous one's output, whose two inner tensors
// nothing else reads and which are not the graph output. Non-overlapping, in schedule order.
std::vector<int> find_fused_groups(const Graph& graph);

// Throws std::invalid_argument naming the op/tensor when the graph is malformed.
MemoryPlan plan_memory(const Graph& graph, const PlannerOptions& options = {});

}  // namespace tinynas::compiler
