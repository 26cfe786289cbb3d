#include "engine/compiler/memory_planner.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/compiler/arena_placement.h"
#include "engine/compiler/patch_planner.h"
#include "engine/compiler/placement_strategies.h"
#include "engine/compiler/streamed_planner.h"
#include "engine/compiler/tensor_lifetimes.h"
#include "engine/runtime/model_reader.h"
#include "engine/runtime/op_window.h"

namespace tinynas::compiler {
namespace {

constexpr int kNoTensorIndex = -1;

int64_t fused_group_scratch_bytes(const Graph& graph, const Op& depthwise) {
  return runtime::inverted_residual_rows_s8_get_buffer_size(
      as_runtime_shape(graph.tensors[depthwise.inputs[0]].shape),
      as_runtime_shape(graph.tensors[depthwise.weights].shape),
      as_runtime_shape(graph.tensors[depthwise.output].shape));
}

}  // namespace

int64_t op_scratch_bytes(const Graph& graph, const Op& op, bool in_place) {
  runtime::OpInfo info;
  info.kind = op.kind;
  info.flags = in_place ? runtime::kOpFlagInPlace : 0;
  runtime::copy_window(op, &info);
  runtime::TensorInfo input;
  input.shape = as_runtime_shape(graph.tensors[op.inputs[0]].shape);
  input.size_bytes = static_cast<uint32_t>(graph.tensors[op.inputs[0]].bytes());
  runtime::TensorInfo weights;
  if (op.weights != kNoTensorIndex) {
    weights.storage = runtime::Storage::kConstant;
    weights.shape = as_runtime_shape(graph.tensors[op.weights].shape);
    weights.size_bytes = static_cast<uint32_t>(graph.tensors[op.weights].bytes());
  }
  return runtime::kernel_scratch_bytes(info, input, weights);
}

MemoryPlan plan_schedule(const ValidatedGraph& validated, const PlannerOptions& options,
                         const std::vector<int>& fused_groups, const PatchConfig& patch,
                         const std::vector<StreamedStageRange>& streamed_stages) {
  const Graph& graph = validated.graph();
  const int tensor_count = static_cast<int>(graph.tensors.size());
  const int op_count = static_cast<int>(graph.ops.size());

  MemoryPlan plan;
  plan.schedule = patch.enabled()            ? Schedule::kPatch
                  : !streamed_stages.empty() ? Schedule::kStreamed
                  : fused_groups.empty()     ? Schedule::kPlain
                                             : Schedule::kFused;
  plan.offsets.assign(tensor_count, -1);
  plan.in_place.assign(op_count, false);
  plan.op_scratch.assign(op_count, 0);
  plan.fused_rows.assign(op_count, false);

  // Fused groups: which ops run row-streamed and which tensors are never materialised.
  std::vector<bool> streamed(tensor_count, false);
  for (int first : fused_groups) {
    for (int k = 0; k < runtime::kFusedGroupOpCount; ++k) plan.fused_rows[first + k] = true;
    streamed[graph.ops[first].output] = true;
    streamed[graph.ops[first + 1].output] = true;
  }

  // Patch stage: region sizes and the MACs its overlap recomputes.
  const int split = patch.enabled() ? patch.split : 0;
  PatchStageFacts patch_facts;
  if (patch.enabled()) {
    patch_facts = patch_stage_facts(graph, patch);
    plan.patch = patch;
    plan.mac_overhead = patch_facts.mac_overhead;
    plan.patch_region_bytes.assign(tensor_count, 0);
    for (int k = 0; k + 1 < split; ++k) {
      plan.patch_region_bytes[graph.ops[k].output] = patch_facts.region_bytes[k];
    }
  }
  // Streamed stages: ring rows, gather scratch, and where each stage's output may start.
  std::vector<bool> op_streamed(op_count, false);
  std::vector<int64_t> stream_scratch(op_count, 0);
  std::vector<int> stream_over_input(op_count, kNoTensorIndex);  // last op -> its stage input
  std::vector<int64_t> stream_lead(op_count, 0);
  plan.streamed_stages = streamed_stages;
  if (!streamed_stages.empty()) plan.ring_rows.assign(tensor_count, 0);
  for (const StreamedStageRange& stage : streamed_stages) {
    const StreamedStageFacts facts = streamed_stage_facts(graph, stage);
    for (int k = stage.first; k <= stage.last; ++k) {
      op_streamed[k] = true;
      stream_scratch[k] = facts.op_scratch[k - stage.first];
      if (k < stage.last) plan.ring_rows[graph.ops[k].output] = facts.ring_rows[k - stage.first];
    }
    stream_over_input[stage.last] = graph.ops[stage.first].inputs[0];
    stream_lead[stage.last] = facts.output_lead_bytes;
  }
  auto arena_bytes_of = [&](int tensor) { return plan.tensor_arena_bytes(graph, tensor); };

  // Lifetimes.
  const TensorLifetimes lifetimes =
      tensor_lifetimes(validated, fused_groups, split, streamed_stages);
  plan.first_use = lifetimes.first_use;
  plan.last_use = lifetimes.last_use;

  // In-place depthwise: the output joins its input's buffer. The split output of a patch stage
  // joins the graph input's buffer, starting split_output_lead_bytes below it, when the input
  // dies in the stage (runtime::split_output_may_overlap_input). A tensor starts `shift` bytes
  // into its buffer.
  std::vector<int> buffer_of(tensor_count, kNoTensorIndex);
  std::vector<int64_t> shift(tensor_count, 0);
  std::vector<Buffer> buffers;
  auto new_buffer = [&](int tensor) {
    buffer_of[tensor] = static_cast<int>(buffers.size());
    buffers.emplace_back();
    buffers.back().tensors.push_back(tensor);
  };
  new_buffer(graph.input);
  // The buffer's bytes are dead after op i: no tensor of it (an in-place chain, views) is read
  // later.
  auto buffer_dies_at = [&](int buffer, int i) {
    for (int tensor : buffers[buffer].tensors) {
      if (plan.last_use[tensor] > i) return false;
    }
    return true;
  };
  for (int i = 0; i < op_count; ++i) {
    const Op& op = graph.ops[i];
    const int input = op.inputs[0];
    if (streamed[op.output]) continue;  // no buffer: lives row by row in the group's scratch
    if (op.kind == OpKind::kReshape) {  // a view: the input's bytes under another shape
      buffer_of[op.output] = buffer_of[input];
      shift[op.output] = shift[input];
      buffers[buffer_of[input]].tensors.push_back(op.output);
      continue;
    }
    const bool in_place = i >= split && !plan.fused_rows[i] && !op_streamed[i] &&
                          options.in_place_depthwise && op.allow_in_place &&
                          op.kind == OpKind::kDepthwiseConv2d &&
                          graph.tensors[op.output].shape.c == graph.tensors[input].shape.c &&
                          buffer_dies_at(buffer_of[input], i) &&
                          graph.tensors[op.output].bytes() <= graph.tensors[input].bytes();
    plan.in_place[i] = in_place;
    const bool split_over_input = i + 1 == split && plan.last_use[graph.input] == split - 1;
    // A streamed stage's output over its input's dead rows: when the input dies in the stage
    // and its buffer holds nothing else, or only tensors dead before the stage and the input
    // starts far enough into the buffer.
    const int stage_input = stream_over_input[i];
    const int64_t lead = align_up(stream_lead[i], kTensorAlignment);
    bool stream_over = stage_input != kNoTensorIndex && plan.last_use[stage_input] == i &&
                       stage_input != graph.output && buffer_of[stage_input] != kNoTensorIndex;
    bool stream_alone = false;
    if (stream_over) {
      const std::vector<int>& members = buffers[buffer_of[stage_input]].tensors;
      stream_alone = members.size() == 1 && shift[stage_input] == 0;
      const int stage_first = plan.first_use[op.output];
      bool others_dead = shift[stage_input] >= lead;
      for (int member : members) {
        if (member != stage_input && plan.last_use[member] >= stage_first) others_dead = false;
      }
      stream_over = stream_alone || others_dead;
    }
    if (in_place) {
      buffer_of[op.output] = buffer_of[input];
      shift[op.output] = shift[input];
      buffers[buffer_of[input]].tensors.push_back(op.output);
    } else if (split_over_input) {
      buffer_of[op.output] = buffer_of[graph.input];
      shift[graph.input] = align_up(patch_facts.split_output_lead_bytes, kTensorAlignment);
      buffers[buffer_of[graph.input]].tensors.push_back(op.output);
    } else if (stream_over) {
      buffer_of[op.output] = buffer_of[stage_input];
      if (stream_alone) shift[stage_input] = lead;
      shift[op.output] = shift[stage_input] - lead;
      buffers[buffer_of[stage_input]].tensors.push_back(op.output);
    } else {
      new_buffer(op.output);
    }
  }

  // Scratch: each op's kernel need; in the arena (options.scratch_in_arena) one buffer that is
  // live exactly while an op with a need runs, at that op's size, so tensors share its bytes the
  // rest of the time.
  for (int i = 0; i < op_count; ++i) {
    plan.op_scratch[i] = op_scratch_bytes(graph, graph.ops[i], plan.in_place[i]);
    if (plan.fused_rows[i]) {
      const bool group_start =
          std::find(fused_groups.begin(), fused_groups.end(), i) != fused_groups.end();
      plan.op_scratch[i] = group_start ? fused_group_scratch_bytes(graph, graph.ops[i + 1]) : 0;
    }
    if (i < split) plan.op_scratch[i] += patch_facts.op_scratch[i];
    plan.op_scratch[i] += stream_scratch[i];
  }
  const int64_t largest_scratch = *std::max_element(plan.op_scratch.begin(), plan.op_scratch.end());
  int scratch_buffer = kNoTensorIndex;
  if (options.scratch_in_arena && largest_scratch > 0) {
    scratch_buffer = static_cast<int>(buffers.size());
    buffers.emplace_back();
  }
  for (Buffer& buffer : buffers) {
    buffer.first = std::numeric_limits<int>::max();
    buffer.last = std::numeric_limits<int>::min();
    for (int tensor : buffer.tensors) {
      const Segment segment{plan.first_use[tensor], plan.last_use[tensor],
                            shift[tensor] + arena_bytes_of(tensor)};
      buffer.segments.push_back(segment);
      buffer.first = std::min(buffer.first, segment.first);
      buffer.last = std::max(buffer.last, segment.last);
      buffer.max_bytes = std::max(buffer.max_bytes, segment.bytes);
    }
  }
  if (scratch_buffer != kNoTensorIndex) {
    Buffer& buffer = buffers[scratch_buffer];
    for (int i = 0; i < op_count; ++i) {
      if (plan.op_scratch[i] == 0) continue;
      buffer.segments.push_back(Segment{i, i, plan.op_scratch[i]});
      buffer.first = std::min(buffer.first, i);
      buffer.last = std::max(buffer.last, i);
      buffer.max_bytes = std::max(buffer.max_bytes, plan.op_scratch[i]);
    }
  }

  const LiveBytes live = live_bytes_per_op(buffers, op_count);
  const std::vector<int64_t>& live_bytes = live.per_op;
  const int64_t lower_bound = live.lower_bound;

  // Placement.
  const Placement placement = BestPlacement().place(buffers, lower_bound);
  for (int t = 0; t < tensor_count; ++t) {
    if (buffer_of[t] != kNoTensorIndex) {
      plan.offsets[t] = placement.offsets[buffer_of[t]] + shift[t];
    }
  }
  plan.arena_bytes = placement.arena_bytes;
  if (scratch_buffer != kNoTensorIndex) {
    plan.arena_scratch_offset = placement.offsets[scratch_buffer];
    plan.arena_scratch_bytes = largest_scratch;
  } else {
    plan.scratch_bytes = largest_scratch;
  }

  // Scratch and the per-op report.
  for (int i = 0; i < op_count; ++i) {
    OpMemory memory;
    memory.op = i;
    memory.scratch_bytes = plan.op_scratch[i];
    memory.in_place = plan.in_place[i];
    memory.fused_rows = plan.fused_rows[i];
    memory.streamed = op_streamed[i];
    memory.live_bytes = live_bytes[i];
    for (int t = 0; t < tensor_count; ++t) {
      if (buffer_of[t] != kNoTensorIndex && plan.first_use[t] <= i && i <= plan.last_use[t]) {
        memory.live_tensors.push_back(t);
      }
    }
    plan.per_op.push_back(std::move(memory));
  }
  return plan;
}

}  // namespace tinynas::compiler
