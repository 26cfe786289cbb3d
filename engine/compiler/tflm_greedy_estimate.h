// What TF-Lite Micro's arena would hold for the same network: its GreedyMemoryPlanner applied to
// the graph's activation tensors, for reporting next to our own plan (`tinynas memory`).
#pragma once

#include <cstdint>

#include "engine/compiler/graph_validation.h"

namespace tinynas::compiler {

// TF-Lite Micro rounds every buffer it plans up to this many bytes.
inline constexpr int64_t kTflmBufferAlignment = 16;

// The arena bytes TF-Lite Micro's greedy planner would allocate for the graph's activations:
// every activation tensor (views such as reshapes included: TF-Lite Micro gives each tensor its
// own buffer), live from the op that writes it to the last op that reads it (the input from
// op 0, the output to the last op), sized up to kTflmBufferAlignment. Scratch buffers that its
// kernels request are not counted. `graph` must be valid for GraphUse::kPlanning.
int64_t tflm_greedy_arena_bytes(const ValidatedGraph& graph);

}  // namespace tinynas::compiler
