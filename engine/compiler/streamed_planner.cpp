#include "engine/compiler/streamed_planner.h"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/runtime/op_window.h"
#include "engine/runtime/streamed_geometry.h"

namespace tinynas::compiler {
namespace {

bool can_stream(OpKind kind) {
  return kind == OpKind::kConv2d || kind == OpKind::kDepthwiseConv2d || kind == OpKind::kAdd ||
         kind == OpKind::kAveragePool2d || kind == OpKind::kMaxPool2d;
}

// The graph as runtime::describe_streamed_stage reads a model.
struct GraphRecords {
  const Graph& graph;
  runtime::OpInfo op(uint16_t k) const {
    const Op& op = graph.ops[k];
    runtime::OpInfo info;
    info.kind = op.kind;
    runtime::copy_window(op, &info);
    info.input0 = static_cast<uint16_t>(op.inputs[0]);
    if (op.inputs.size() > 1) info.input1 = static_cast<uint16_t>(op.inputs[1]);
    info.output = static_cast<uint16_t>(op.output);
    return info;
  }
  runtime::TensorInfo tensor(uint16_t t) const {
    runtime::TensorInfo info;
    info.shape = as_runtime_shape(graph.tensors[t].shape);
    return info;
  }
};

}  // namespace

std::string streamed_stage_problem(const Graph& graph, const StreamedStageRange& stage) {
  const int op_count = static_cast<int>(graph.ops.size());
  if (stage.first < 0 || stage.last >= op_count ||
      stage.op_count() < runtime::kMinStreamedStageOps ||
      stage.op_count() > runtime::kMaxStreamedStageOps) {
    return "a streamed stage holds " + std::to_string(runtime::kMinStreamedStageOps) + " to " +
           std::to_string(runtime::kMaxStreamedStageOps) + " ops of the graph";
  }
  for (int k = stage.first; k <= stage.last; ++k) {
    const Op& op = graph.ops[k];
    const std::string name = "op " + std::to_string(k) + " (" + op.name + ")";
    if (!can_stream(op.kind)) {
      return name + " is not a convolution, depthwise convolution, add or average / max pool";
    }
    if (k == stage.last) continue;
    if (op.output == graph.output) return name + " writes the graph output inside the stage";
    bool read_in_stage = false;
    for (int i = k + 1; i <= stage.last; ++i) {
      const std::vector<int>& inputs = graph.ops[i].inputs;
      read_in_stage =
          read_in_stage || std::find(inputs.begin(), inputs.end(), op.output) != inputs.end();
    }
    if (!read_in_stage) return name + "'s output is not read inside the stage";
    for (int i = stage.last + 1; i < op_count; ++i) {
      const std::vector<int>& inputs = graph.ops[i].inputs;
      if (std::find(inputs.begin(), inputs.end(), op.output) != inputs.end()) {
        return name + "'s output is read after the stage (by op " + std::to_string(i) + ")";
      }
    }
  }
  return "";
}

std::vector<int> find_streamed_stage_ends(const Graph& graph, int first) {
  std::vector<int> ends;
  const int op_count = static_cast<int>(graph.ops.size());
  const int last_possible = std::min(op_count - 1, first + runtime::kMaxStreamedStageOps - 1);
  for (int last = first + runtime::kMinStreamedStageOps - 1; last <= last_possible; ++last) {
    if (!can_stream(graph.ops[last].kind)) break;  // no stage reaches past it
    if (streamed_stage_problem(graph, {first, last}).empty()) ends.push_back(last);
  }
  return ends;
}

StreamedStageFacts streamed_stage_facts(const Graph& graph, const StreamedStageRange& stage) {
  std::vector<runtime::StreamedStageOp> ops(runtime::kMaxStreamedStageOps);
  runtime::StreamedStage description;
  runtime::describe_streamed_stage(GraphRecords{graph}, static_cast<uint16_t>(stage.first),
                                   static_cast<uint16_t>(stage.op_count()), ops.data(),
                                   &description);
  runtime::StreamedStageNeeds needs;
  runtime::streamed_stage_needs(description, &needs);
  StreamedStageFacts facts;
  for (int k = 0; k < stage.op_count(); ++k) {
    facts.ring_rows.push_back(k + 1 < stage.op_count() ? needs.ring_rows[k] : 0);
    facts.op_scratch.push_back(needs.gather_bytes[k]);
  }
  facts.output_lead_bytes = needs.output_lead_bytes;
  return facts;
}

}  // namespace tinynas::compiler
