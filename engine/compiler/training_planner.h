// The memory plan of a training graph (training_graph.h), made by the planner's own machinery:
// lifetimes over the training schedule (a tensor lives from the op that writes it first to the
// last op that reads it, inclusive; the graph input from before op 0; trained parameters through
// every op), in-place depthwise where the depthwise input dies at the op (as for inference), and
// placement of every tensor into one arena by BestPlacement, the strategy that lays out the
// inference arena, so the figure is what an executor of this schedule allocates. The
// scratch buffer sits next to the arena, sized by the largest forward kernel need
// (op_scratch_bytes); backward kernels' scratch is not counted yet.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/training_graph.h"

namespace tinynas::compiler {

struct TrainingPlan {
  std::vector<int64_t> offsets;     // per train tensor: arena offset
  std::vector<int> first_use;       // per train tensor: first op writing it (-1: before op 0)
  std::vector<int> last_use;        // per train tensor: last op reading it
  std::vector<int64_t> live_bytes;  // per train op: bytes of the tensors live while it runs
  int64_t arena_bytes = 0;
  int64_t scratch_bytes = 0;
  std::vector<bool> in_place;  // per train op: a forward depthwise run in place
  int peak_op = 0;             // the op with the most live bytes (the first such)
  int64_t peak_sram_bytes() const { return arena_bytes + scratch_bytes; }
};

struct TrainingPlanOptions {
  bool in_place_depthwise = true;
};
TrainingPlan plan_training(const TrainingGraph& training, const TrainingPlanOptions& options = {});

// Bytes per TrainTensorKind live while op `op` runs.
std::array<int64_t, kTrainTensorKindCount> live_bytes_by_kind(const TrainingGraph& training,
                                                              const TrainingPlan& plan, int op);

// The whole path: scheme resolved against the graph, training graph built and planned.
struct TrainingMemory {
  TrainingGraph training;
  TrainingPlan plan;
};
TrainingMemory plan_training_memory(const ValidatedGraph& graph, const UpdateScheme& scheme,
                                    const TrainingOptions& options = {},
                                    const std::string& scheme_origin = "update scheme");

// The least SRAM any training of `graph` needs: the plan of a scheme that trains the
// classifier's bias only (what a budget below it cannot hold).
int64_t minimum_training_bytes(const ValidatedGraph& graph);

// The peak with its breakdown at the peak op, for `tinynas memory --train-scheme`.
std::string format_training_memory(const TrainingMemory& memory);

}  // namespace tinynas::compiler
