#include "engine/compiler/training_planner.h"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <limits>
#include <sstream>

#include "engine/compiler/arena_placement.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/placement_strategies.h"

namespace tinynas::compiler {

TrainingPlan plan_training(const TrainingGraph& training, const TrainingPlanOptions& options) {
  const Graph& graph = *training.graph;
  const int tensor_count = static_cast<int>(training.tensors.size());
  const int op_count = static_cast<int>(training.ops.size());
  const int last_op = op_count - 1;
  TrainingPlan plan;
  plan.first_use.assign(tensor_count, std::numeric_limits<int>::max());
  plan.last_use.assign(tensor_count, -1);
  for (int i = 0; i < op_count; ++i) {
    for (int t : training.ops[i].writes) plan.first_use[t] = std::min(plan.first_use[t], i);
    for (int t : training.ops[i].reads) plan.last_use[t] = std::max(plan.last_use[t], i);
  }
  for (int t = 0; t < tensor_count; ++t) {
    const TrainTensor& tensor = training.tensors[t];
    const bool graph_input =
        tensor.kind == TrainTensorKind::kActivation && tensor.graph_tensor == graph.input;
    if (tensor.persistent || graph_input) plan.first_use[t] = -1;
    if (tensor.persistent) plan.last_use[t] = last_op;
    if (plan.first_use[t] == std::numeric_limits<int>::max()) plan.first_use[t] = -1;
    plan.last_use[t] = std::max(plan.last_use[t], plan.first_use[t]);
  }

  // In-place depthwise, as the inference planner does it: when a depthwise conv is the last
  // reader of its input (nothing in the backward keeps it), its output takes the input's bytes.
  plan.in_place.assign(op_count, false);
  std::vector<int> buffer_of(tensor_count, -1);
  std::vector<Buffer> buffers;
  for (int t = 0; t < tensor_count; ++t) {
    if (buffer_of[t] >= 0) continue;
    buffer_of[t] = static_cast<int>(buffers.size());
    buffers.emplace_back();
    buffers.back().tensors = {t};
    // The in-place chain that starts at t.
    for (int current = t, i = 0; options.in_place_depthwise && i < op_count; ++i) {
      const TrainOp& op = training.ops[i];
      if (op.kind != TrainOpKind::kForward || op.reads.empty() || op.reads[0] != current) continue;
      const Op& layer = graph.ops[op.layer];
      const int output = op.writes[0];
      const bool in_place =
          layer.kind == OpKind::kDepthwiseConv2d && layer.allow_in_place &&
          plan.last_use[current] == i &&
          graph.tensors[layer.output].shape.c == graph.tensors[layer.inputs[0]].shape.c &&
          training.tensors[output].bytes <= training.tensors[current].bytes;
      if (!in_place) break;
      plan.in_place[i] = true;
      buffer_of[output] = buffer_of[t];
      buffers.back().tensors.push_back(output);
      current = output;
    }
  }
  for (Buffer& buffer : buffers) {
    buffer.first = std::numeric_limits<int>::max();
    buffer.last = std::numeric_limits<int>::min();
    for (int t : buffer.tensors) {
      buffer.segments.push_back(
          Segment{plan.first_use[t], plan.last_use[t], training.tensors[t].bytes});
      buffer.first = std::min(buffer.first, plan.first_use[t]);
      buffer.last = std::max(buffer.last, plan.last_use[t]);
      buffer.max_bytes = std::max(buffer.max_bytes, training.tensors[t].bytes);
    }
  }
  const LiveBytes live = live_bytes_per_op(buffers, op_count);
  plan.live_bytes = live.per_op;
  const Placement placement = BestPlacement().place(buffers, live.lower_bound);
  plan.offsets.assign(tensor_count, 0);
  for (int t = 0; t < tensor_count; ++t) plan.offsets[t] = placement.offsets[buffer_of[t]];
  plan.arena_bytes = placement.arena_bytes;
  plan.peak_op = static_cast<int>(std::max_element(plan.live_bytes.begin(), plan.live_bytes.end()) -
                                  plan.live_bytes.begin());
  for (int i = 0; i < op_count; ++i) {
    const TrainOp& op = training.ops[i];
    if (op.kind == TrainOpKind::kForward) {
      plan.scratch_bytes = std::max(plan.scratch_bytes,
                                    op_scratch_bytes(graph, graph.ops[op.layer], plan.in_place[i]));
    }
  }
  return plan;
}

std::array<int64_t, kTrainTensorKindCount> live_bytes_by_kind(const TrainingGraph& training,
                                                              const TrainingPlan& plan, int op) {
  std::array<int64_t, kTrainTensorKindCount> bytes{};
  for (size_t t = 0; t < training.tensors.size(); ++t) {
    if (plan.first_use[t] <= op && op <= plan.last_use[t]) {
      bytes[static_cast<int>(training.tensors[t].kind)] += training.tensors[t].bytes;
    }
  }
  return bytes;
}

TrainingMemory plan_training_memory(const ValidatedGraph& graph, const UpdateScheme& scheme,
                                    const TrainingOptions& options,
                                    const std::string& scheme_origin) {
  TrainingMemory memory;
  memory.training =
      build_training_graph(graph, resolve_scheme(graph.graph(), scheme, scheme_origin), options);
  TrainingPlanOptions plan_options;
  plan_options.in_place_depthwise = options.in_place_depthwise;
  memory.plan = plan_training(memory.training, plan_options);
  return memory;
}

int64_t minimum_training_bytes(const ValidatedGraph& graph) {
  return plan_training_memory(graph, classifier_bias_scheme(graph.graph())).plan.peak_sram_bytes();
}

std::string format_training_memory(const TrainingMemory& memory) {
  const TrainingGraph& training = memory.training;
  const TrainingPlan& plan = memory.plan;
  const Graph& graph = *training.graph;
  const TrainOp& peak = training.ops[plan.peak_op];
  int64_t persistent = 0;
  for (const TrainTensor& tensor : training.tensors) {
    if (tensor.persistent) persistent += tensor.bytes;
  }
  char kilobytes[32];
  std::snprintf(kilobytes, sizeof kilobytes, "%.1f", plan.peak_sram_bytes() / 1024.0);
  std::ostringstream out;
  out << "training peak SRAM: " << plan.peak_sram_bytes() << " B (" << kilobytes << " KB) = arena "
      << plan.arena_bytes << " B + scratch " << plan.scratch_bytes << " B ("
      << (training.reordered ? "operator reordering"
                             : "no reordering: every update after the whole backward")
      << ")\n";
  out << "  " << training.layers.size() << " trained layers, " << training.ops.size()
      << " training ops: " << count_train_ops(training, TrainOpKind::kForward) << " forward, "
      << count_train_ops(training, TrainOpKind::kInputGradient) << " input gradient, "
      << count_train_ops(training, TrainOpKind::kWeightGradient) << " weight gradient, "
      << count_train_ops(training, TrainOpKind::kBiasGradient) << " bias gradient, "
      << count_train_ops(training, TrainOpKind::kUpdateWeights) +
             count_train_ops(training, TrainOpKind::kUpdateBias)
      << " updates\n";
  out << "  trained parameters in SRAM (live through every op): " << persistent << " B\n";
  out << "  at the peak, op " << plan.peak_op << " (" << train_op_kind_name(peak.kind);
  if (peak.layer >= 0) out << " of '" << graph.ops[peak.layer].name << "'";
  out << "), " << plan.live_bytes[plan.peak_op] << " B live:\n";
  const auto by_kind = live_bytes_by_kind(training, plan, plan.peak_op);
  for (int kind = 0; kind < kTrainTensorKindCount; ++kind) {
    if (by_kind[kind] == 0) continue;
    out << "    " << std::left << std::setw(34)
        << train_tensor_kind_name(static_cast<TrainTensorKind>(kind)) << std::right << std::setw(9)
        << by_kind[kind] << " B\n";
  }
  return out.str();
}

}  // namespace tinynas::compiler
