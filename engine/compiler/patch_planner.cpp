#include "engine/compiler/patch_planner.h"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/runtime/op_window.h"
#include "engine/runtime/patch_geometry.h"

namespace tinynas::compiler {
namespace {

bool runs_on_regions(OpKind kind) {
  return kind == OpKind::kConv2d || kind == OpKind::kDepthwiseConv2d || kind == OpKind::kAdd;
}

// What every split must satisfy whatever the grid; "" when ops [0, split) can be a stage.
std::string split_problem(const Graph& graph, int split) {
  const int op_count = static_cast<int>(graph.ops.size());
  const int max_split = std::min(op_count - 1, runtime::kMaxPatchStageOps);
  if (split < 1 || split > max_split) {
    return "the split must leave 1 to " + std::to_string(max_split) + " ops in the patch stage";
  }
  std::vector<int> producer(graph.tensors.size(), -2);
  producer[graph.input] = -1;
  for (int k = 0; k < split; ++k) {
    const Op& op = graph.ops[k];
    const std::string name = "op " + std::to_string(k) + " (" + op.name + ")";
    if (!runs_on_regions(op.kind)) {
      return name + " is not a convolution, depthwise convolution or add";
    }
    for (int input : op.inputs) {
      if (input < 0 || input >= static_cast<int>(graph.tensors.size()) || producer[input] < -1) {
        return name + " reads a tensor from outside the patch stage";
      }
    }
    producer[op.output] = k;
  }
  std::vector<bool> read_in_stage(graph.tensors.size(), false);
  for (int k = 0; k < split; ++k) {
    for (int input : graph.ops[k].inputs) read_in_stage[input] = true;
  }
  for (int k = 0; k + 1 < split; ++k) {
    const int tensor = graph.ops[k].output;
    const std::string name = "op " + std::to_string(k) + " (" + graph.ops[k].name + ")";
    if (tensor == graph.output) return name + " writes the graph output inside the patch stage";
    if (!read_in_stage[tensor]) return name + "'s output is not read inside the patch stage";
    for (int i = split; i < op_count; ++i) {
      const std::vector<int>& inputs = graph.ops[i].inputs;
      if (std::find(inputs.begin(), inputs.end(), tensor) != inputs.end()) {
        return name + "'s output is read after the split (by op " + std::to_string(i) + ")";
      }
    }
  }
  return "";
}

// The stage in the runtime geometry's terms (slot 0: the graph input, slot k + 1: op k's output).
struct StageDescription {
  std::vector<runtime::PatchStageOp> ops;
  runtime::PatchStage stage;
};

StageDescription describe(const Graph& graph, const PatchConfig& config) {
  StageDescription description;
  std::vector<int> slot(graph.tensors.size(), -1);
  slot[graph.input] = 0;
  for (int k = 0; k < config.split; ++k) {
    const Op& op = graph.ops[k];
    runtime::PatchStageOp stage_op;
    stage_op.kind = op.kind;
    if (op.kind != OpKind::kAdd) runtime::copy_window_start(op, &stage_op);
    stage_op.input0 = static_cast<int8_t>(slot[op.inputs[0]]);
    if (op.inputs.size() > 1) stage_op.input1 = static_cast<int8_t>(slot[op.inputs[1]]);
    const TensorShape& output = graph.tensors[op.output].shape;
    stage_op.output_h = static_cast<uint16_t>(output.h);
    stage_op.output_w = static_cast<uint16_t>(output.w);
    stage_op.output_c = static_cast<uint16_t>(output.c);
    description.ops.push_back(stage_op);
    slot[op.output] = k + 1;
  }
  description.stage.input = as_runtime_shape(graph.tensors[graph.input].shape);
  description.stage.ops = description.ops.data();
  description.stage.op_count = config.split;
  description.stage.grid = config.grid;
  return description;
}

}  // namespace

std::string patch_stage_problem(const Graph& graph, const PatchConfig& config) {
  if (config.grid < 2 || config.grid > runtime::kMaxPatchGrid) {
    return "the patch grid must be 2 to " + std::to_string(runtime::kMaxPatchGrid);
  }
  const std::string problem = split_problem(graph, config.split);
  if (!problem.empty()) return problem;
  const TensorShape& split_output = graph.tensors[graph.ops[config.split - 1].output].shape;
  if (split_output.h < config.grid || split_output.w < config.grid) {
    return "a " + std::to_string(config.grid) + " x " + std::to_string(config.grid) +
           " grid does not fit the split output (" + std::to_string(split_output.h) + " x " +
           std::to_string(split_output.w) + ")";
  }
  return "";
}

std::vector<int> find_patch_splits(const Graph& graph) {
  std::vector<int> splits;
  const int op_count = static_cast<int>(graph.ops.size());
  for (int split = 1; split <= std::min(op_count - 1, runtime::kMaxPatchStageOps); ++split) {
    if (split_problem(graph, split).empty()) splits.push_back(split);
  }
  return splits;
}

std::vector<int> patch_grids(const Graph& graph, int split) {
  const TensorShape& split_output = graph.tensors[graph.ops[split - 1].output].shape;
  const int largest = std::min({kMaxSearchedPatchGrid, split_output.h, split_output.w});
  std::vector<int> grids;
  for (int grid = 2; grid <= largest; ++grid) grids.push_back(grid);
  return grids;
}

PatchStageFacts patch_stage_facts(const Graph& graph, const PatchConfig& config) {
  const StageDescription description = describe(graph, config);
  runtime::PatchStageNeeds needs;
  runtime::patch_stage_needs(description.stage, &needs);
  PatchStageFacts facts;
  facts.split_output_lead_bytes = runtime::split_output_lead_bytes(description.stage);
  for (int k = 0; k < config.split; ++k) {
    const Op& op = graph.ops[k];
    const bool split_op = k + 1 == config.split;
    facts.region_bytes.push_back(split_op ? 0 : needs.region_bytes[k + 1]);
    facts.op_scratch.push_back(needs.op_scratch[k]);
    if (op.kind == OpKind::kAdd) continue;  // not in graph_macs
    const int64_t elements = graph.tensors[op.output].shape.elements();
    const int64_t macs_per_element = op_macs(graph, op) / elements;
    facts.mac_overhead += (needs.computed_elements[k] - elements) * macs_per_element;
  }
  return facts;
}

}  // namespace tinynas::compiler
