#include "engine/compiler/model_import.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/patch_planner.h"
#include "engine/compiler/quantization.h"
#include "engine/compiler/scale_recovery.h"
#include "engine/compiler/tensor_lifetimes.h"
#include "engine/runtime/op_window.h"
#include "engine/runtime/streamed_executor.h"

namespace tinynas::compiler {
namespace {

// The fused activation whose clamp the writer would store for this output (kNone when the clamp
// is the whole int8 range, or none of them).
Activation stored_activation(const runtime::OpInfo& info, const Tensor& output) {
  for (const Activation activation : {Activation::kNone, Activation::kRelu6, Activation::kRelu}) {
    const ActivationRange range = activation_range(activation, output.scale, output.zero_point);
    if (range.min == info.activation_min && range.max == info.activation_max) return activation;
  }
  return Activation::kNone;
}

}  // namespace

ImportedModel import_model(const runtime::ModelView& model) {
  ImportedModel imported;
  Graph& graph = imported.graph;
  MemoryPlan& plan = imported.plan;

  for (uint16_t i = 0; i < model.tensor_count(); ++i) {
    const runtime::TensorInfo info = model.tensor(i);
    Tensor tensor;
    tensor.name = "t" + std::to_string(i);
    tensor.shape = from_runtime_shape(info.shape);
    tensor.is_constant = info.storage == runtime::Storage::kConstant;
    tensor.scale = info.scale;
    tensor.zero_point = info.zero_point;
    if (tensor.is_constant) {
      const int8_t* data = model.constant_int8(info.offset);
      tensor.data.assign(data, data + info.size_bytes);
    }
    graph.add_tensor(std::move(tensor));
    const bool in_arena = info.storage == runtime::Storage::kArena ||
                          info.storage == runtime::Storage::kPatched ||
                          info.storage == runtime::Storage::kRing;
    plan.offsets.push_back(in_arena ? info.offset : -1);
  }
  graph.input = model.input_tensor();
  graph.output = model.output_tensor();
  graph.real_input = model.real_input();
  graph.real_output = model.real_output();

  std::vector<bool> streamed(graph.tensors.size(), false);
  for (uint16_t i = 0; i < model.tensor_count(); ++i) {
    streamed[i] = model.tensor(i).storage == runtime::Storage::kStreamed;
  }
  for (uint16_t i = 0; i < model.op_count(); ++i) {
    const runtime::OpInfo info = model.op(i);
    Op op;
    op.kind = info.kind;
    op.name = "op" + std::to_string(i);
    for (int32_t k = 0; k < runtime::op_input_count(info); ++k) {
      op.inputs.push_back(model.op_input(info, k));
    }
    op.weights = info.weights == runtime::kNoTensor ? -1 : info.weights;
    op.output = info.output;
    runtime::copy_window(info, &op);
    op.allow_in_place = info.in_place();
    op.keep_dims =
        static_cast<runtime::MeanMode>(info.mean_mode) == runtime::MeanMode::kRescaleThenDivide;
    if (op_has_activation(op.kind))
      op.activation = stored_activation(info, graph.tensors[op.output]);
    if (info.bias_offset != runtime::kNoOffset) {
      const int32_t* bias = model.constant_int32(info.bias_offset);
      op.bias.assign(bias, bias + model.tensor(info.output).shape.c);
    }
    plan.in_place.push_back(info.in_place());
    plan.fused_rows.push_back(info.fused_rows());
    plan.op_scratch.push_back(info.scratch_bytes);
    graph.add_op(std::move(op));
  }
  recover_channel_scales(model, &graph);
  // A model the runtime accepts is a graph the compiler accepts; the check names what broke if
  // the two ever disagree.
  const ValidatedGraph validated = validate_graph(graph, GraphUse::kPlanning, "import_model");

  // Fused groups: validated triples.
  std::vector<int> fused_groups;
  const int op_count = static_cast<int>(graph.ops.size());
  for (int i = 0; i < op_count; i += plan.fused_rows[i] ? runtime::kFusedGroupOpCount : 1) {
    if (plan.fused_rows[i]) fused_groups.push_back(i);
  }
  if (!fused_groups.empty()) plan.schedule = Schedule::kFused;
  // Streamed stages: from each start flag through the ops that continue it.
  for (uint16_t i = 0; i < model.op_count(); ++i) {
    if (!model.op(i).stream_start()) continue;
    const int last = i + runtime::streamed_stage_length(model, i) - 1;
    plan.streamed_stages.push_back(StreamedStageRange{i, last});
  }
  if (!plan.streamed_stages.empty()) {
    plan.schedule = Schedule::kStreamed;
    plan.ring_rows.assign(graph.tensors.size(), 0);
    for (uint16_t t = 0; t < model.tensor_count(); ++t) {
      const runtime::TensorInfo info = model.tensor(t);
      if (info.storage == runtime::Storage::kRing) plan.ring_rows[t] = info.ring_rows;
    }
  }
  const TensorLifetimes lifetimes =
      tensor_lifetimes(validated, fused_groups, model.patch_split(), plan.streamed_stages);
  plan.first_use = lifetimes.first_use;
  plan.last_use = lifetimes.last_use;
  if (model.patch_split() > 0) {
    plan.patch = PatchConfig{model.patch_grid(), model.patch_split()};
    plan.schedule = Schedule::kPatch;
    plan.patch_region_bytes.assign(graph.tensors.size(), 0);
    for (uint16_t t = 0; t < model.tensor_count(); ++t) {
      const runtime::TensorInfo info = model.tensor(t);
      if (info.storage == runtime::Storage::kPatched) {
        plan.patch_region_bytes[t] = info.patch_region_bytes;
      }
    }
    plan.mac_overhead = patch_stage_facts(graph, plan.patch).mac_overhead;
  }

  plan.arena_bytes = model.arena_size();
  plan.scratch_bytes = model.scratch_size();
  if ((model.flags() & runtime::kModelFlagScratchInArena) != 0) {
    plan.arena_scratch_offset = model.arena_scratch_offset();
    plan.arena_scratch_bytes = model.arena_scratch_bytes();
  }
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    OpMemory memory;
    memory.op = static_cast<int>(i);
    memory.scratch_bytes = plan.op_scratch[i];
    memory.in_place = plan.in_place[i];
    memory.fused_rows = plan.fused_rows[i];
    memory.streamed = plan.op_streamed(static_cast<int>(i));
    const int op_index = static_cast<int>(i);
    // Live tensors may share bytes (an in-place output its input's, a view its input's, the split
    // output the graph input's dead rows): the live bytes are their union.
    std::vector<std::pair<int64_t, int64_t>> ranges;
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
      if (graph.tensors[t].is_constant || streamed[t]) continue;
      const bool live = plan.first_use[t] <= op_index && op_index <= plan.last_use[t];
      if (!live) continue;
      // An in-place output is its input's buffer: listed once, as the input.
      if (!(memory.in_place && static_cast<int>(t) == graph.ops[i].output)) {
        memory.live_tensors.push_back(static_cast<int>(t));
      }
      const int64_t bytes = plan.tensor_arena_bytes(graph, static_cast<int>(t));
      ranges.emplace_back(plan.offsets[t], plan.offsets[t] + bytes);
    }
    std::sort(ranges.begin(), ranges.end());
    int64_t covered_end = 0;
    for (const auto& [begin, end] : ranges) {
      const int64_t from = std::max(begin, covered_end);
      if (end > from) memory.live_bytes += end - from;
      covered_end = std::max(covered_end, end);
    }
    if (plan.scratch_in_arena()) memory.live_bytes += memory.scratch_bytes;
    plan.per_op.push_back(std::move(memory));
  }
  return imported;
}

}  // namespace tinynas::compiler
