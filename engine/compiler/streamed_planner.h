// Streamed stages for the memory planner (row streaming across ops, runtime
// streamed_geometry.h): which op ranges of a graph can form one, and what one costs — each inner
// tensor's ring rows, each op's gather scratch, and how far below its input the stage output
// must start to share the input's dead rows. The geometry itself is the runtime's, so planner,
// model validator and streamed executor agree by construction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/memory_plan.h"

namespace tinynas::compiler {

struct StreamedStageFacts {
  std::vector<int64_t> ring_rows;   // per stage op: its output ring's rows (0 for the last op)
  std::vector<int64_t> op_scratch;  // per stage op: its gathered window's bytes
  // How far below the stage input the stage output must start to share its bytes
  // (runtime::StreamedStageNeeds::output_lead_bytes).
  int64_t output_lead_bytes = 0;
};

// Why ops [stage.first, stage.last] of `graph` cannot form a streamed stage, or "" when they
// can: kMinStreamedStageOps to kMaxStreamedStageOps convolutions, depthwise convolutions, adds
// and average / max pools whose outputs, but the last op's, are read inside the stage only and
// are not the graph output.
std::string streamed_stage_problem(const Graph& graph, const StreamedStageRange& stage);

// The last ops of the streamed stages that can start at op `first`, in increasing order.
std::vector<int> find_streamed_stage_ends(const Graph& graph, int first);

// The stage's costs; `stage` must have no streamed_stage_problem().
StreamedStageFacts streamed_stage_facts(const Graph& graph, const StreamedStageRange& stage);

}  // namespace tinynas::compiler
