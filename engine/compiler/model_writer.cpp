#include "engine/compiler/model_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/patch_planner.h"
#include "engine/compiler/quantization.h"
#include "engine/compiler/streamed_planner.h"
#include "engine/runtime/crc32.h"
#include "engine/runtime/model_reader.h"

namespace tinynas::compiler {
namespace {

namespace rt = runtime;

constexpr int64_t kMaxTensorBytes = 2147483647;
constexpr int64_t kMaxFileBytes = 0xFFFFFFFFll;
constexpr uint32_t kWeightsAlignment = 4;
constexpr uint32_t kInt32Bytes = 4;
constexpr uint32_t kValidationMessageBytes = 128;

[[noreturn]] void fail(const std::string& message) {
  throw std::invalid_argument("write_model: " + message);
}

uint32_t align_up(uint32_t value, uint32_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

// Output channels of an op (the length of its per-channel arrays).
int output_channels(const Graph& graph, const Op& op) { return graph.tensors[op.output].shape.c; }

// Tensors a plan does not materialise: the inner tensors (expand and depthwise outputs) of its
// fused groups.
std::vector<bool> streamed_tensors(const Graph& graph, const MemoryPlan& plan) {
  std::vector<bool> streamed(graph.tensors.size(), false);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    if (plan.op_fused(static_cast<int>(i)) && op.kind != OpKind::kConv2d) {
      streamed[op.output] = true;                // the depthwise output
      streamed[graph.ops[i - 1].output] = true;  // the expand output
    }
  }
  return streamed;
}

// The plan's fused ops come in triples that find_fused_groups() would form.
void check_fused_groups(const Graph& graph, const MemoryPlan& plan) {
  const int ops = static_cast<int>(graph.ops.size());
  if (plan.fused_rows.empty()) return;
  if (static_cast<int>(plan.fused_rows.size()) != ops) {
    fail("memory plan marks " + std::to_string(plan.fused_rows.size()) +
         " ops fused or not, but the graph has " + std::to_string(ops) + " ops");
  }
  const std::vector<int> groups = find_fused_groups(graph);
  for (int i = 0; i < ops;) {
    if (!plan.fused_rows[i]) {
      ++i;
      continue;
    }
    const bool is_group = std::find(groups.begin(), groups.end(), i) != groups.end();
    bool whole = i + rt::kFusedGroupOpCount <= ops;
    for (int k = 0; whole && k < rt::kFusedGroupOpCount; ++k) whole = plan.fused_rows[i + k];
    if (!is_group || !whole) {
      fail("memory plan runs " + describe_op(graph, i) +
           " fused, but it does not start an expand 1x1 -> depthwise -> project 1x1 group whose "
           "inner tensors only the group reads");
    }
    i += rt::kFusedGroupOpCount;
  }
}

// The plan's patch stage is one the graph can run, with the region sizes its geometry gives.
void check_patch_stage(const Graph& graph, const MemoryPlan& plan) {
  if (!plan.patch.enabled()) return;
  const std::string problem = patch_stage_problem(graph, plan.patch);
  if (!problem.empty()) fail("memory plan's patch stage: " + problem);
  if (plan.patch_region_bytes.size() != graph.tensors.size()) {
    fail("memory plan gives " + std::to_string(plan.patch_region_bytes.size()) +
         " patch region sizes, but the graph has " + std::to_string(graph.tensors.size()) +
         " tensors");
  }
  const PatchStageFacts facts = patch_stage_facts(graph, plan.patch);
  for (int k = 0; k < plan.patch.split; ++k) {
    const int tensor = graph.ops[k].output;
    const int64_t expected = k + 1 < plan.patch.split ? facts.region_bytes[k] : 0;
    if (plan.patch_region_bytes[tensor] != expected) {
      fail("memory plan gives " + describe_tensor(graph, tensor) + " " +
           std::to_string(plan.patch_region_bytes[tensor]) + " B per patch, the patch geometry " +
           std::to_string(expected) + " B");
    }
    if (plan.in_place[k] || plan.op_fused(k)) {
      fail("memory plan runs " + describe_op(graph, k) +
           " in place or fused inside the patch stage");
    }
  }
}

// The plan's streamed stages are ones the graph can run, in order, with at least the ring rows
// their geometry needs.
void check_streamed_stages(const Graph& graph, const MemoryPlan& plan) {
  if (plan.streamed_stages.empty()) return;
  if (plan.ring_rows.size() != graph.tensors.size()) {
    fail("memory plan gives " + std::to_string(plan.ring_rows.size()) +
         " ring sizes, but the graph has " + std::to_string(graph.tensors.size()) + " tensors");
  }
  int previous_last = plan.patch.split - 1;
  for (const StreamedStageRange& stage : plan.streamed_stages) {
    const std::string problem = streamed_stage_problem(graph, stage);
    if (!problem.empty()) fail("memory plan's streamed stage: " + problem);
    if (stage.first <= previous_last) {
      fail("memory plan's streamed stage at " + describe_op(graph, stage.first) +
           " overlaps an earlier stage");
    }
    previous_last = stage.last;
    const StreamedStageFacts facts = streamed_stage_facts(graph, stage);
    for (int k = stage.first; k <= stage.last; ++k) {
      const int tensor = graph.ops[k].output;
      const int64_t need = facts.ring_rows[k - stage.first];
      if (k < stage.last && plan.ring_rows[tensor] < need) {
        fail("memory plan gives " + describe_tensor(graph, tensor) + " a ring of " +
             std::to_string(plan.ring_rows[tensor]) + " rows, its readers need " +
             std::to_string(need));
      }
      if (plan.in_place[k] || plan.op_fused(k)) {
        fail("memory plan runs " + describe_op(graph, k) +
             " in place or fused inside a streamed stage");
      }
    }
  }
}

void check_plan(const Graph& graph, const MemoryPlan& plan) {
  const size_t tensors = graph.tensors.size();
  const size_t ops = graph.ops.size();
  check_fused_groups(graph, plan);
  check_patch_stage(graph, plan);
  check_streamed_stages(graph, plan);
  const std::vector<bool> streamed = streamed_tensors(graph, plan);
  if (plan.offsets.size() != tensors || plan.in_place.size() != ops ||
      plan.op_scratch.size() != ops) {
    fail("memory plan covers " + std::to_string(plan.offsets.size()) + " tensors and " +
         std::to_string(plan.in_place.size()) + "/" + std::to_string(plan.op_scratch.size()) +
         " ops (in_place/op_scratch) but the graph has " + std::to_string(tensors) +
         " tensors and " + std::to_string(ops) + " ops");
  }
  if (plan.arena_bytes < 0 || plan.arena_bytes > kMaxTensorBytes || plan.scratch_bytes < 0 ||
      plan.scratch_bytes > kMaxTensorBytes) {
    fail("memory plan arena " + std::to_string(plan.arena_bytes) + " B / scratch " +
         std::to_string(plan.scratch_bytes) + " B out of range [0, 2^31 - 1]");
  }
  for (size_t t = 0; t < tensors; ++t) {
    if (graph.tensors[t].is_constant || streamed[t]) continue;
    const int64_t offset = plan.offsets[t];
    const int64_t bytes = plan.tensor_arena_bytes(graph, static_cast<int>(t));
    if (offset < 0 || offset + bytes > plan.arena_bytes) {
      fail("memory plan puts " + describe_tensor(graph, static_cast<int>(t)) + " (" +
           std::to_string(bytes) + " B) at arena offset " + std::to_string(offset) +
           ", outside the " + std::to_string(plan.arena_bytes) + " B arena");
    }
  }
  for (size_t i = 0; i < ops; ++i) {
    if (plan.in_place[i] && plan.op_fused(static_cast<int>(i))) {
      fail("memory plan runs " + describe_op(graph, static_cast<int>(i)) +
           " both in place and fused");
    }
    const Op& op = graph.ops[i];
    if (plan.in_place[i] &&
        (op.kind != OpKind::kDepthwiseConv2d ||
         graph.tensors[op.output].shape.c != graph.tensors[op.inputs[0]].shape.c)) {
      fail("memory plan runs " + describe_op(graph, static_cast<int>(i)) +
           " in place, but only depthwise convolutions of depth multiplier 1 can run in place");
    }
    const int64_t capacity =
        plan.scratch_in_arena() ? plan.arena_scratch_bytes : plan.scratch_bytes;
    if (plan.op_scratch[i] < 0 || plan.op_scratch[i] > capacity) {
      fail("memory plan gives " + describe_op(graph, static_cast<int>(i)) + " " +
           std::to_string(plan.op_scratch[i]) +
           " B of scratch, outside [0, scratch_bytes = " + std::to_string(capacity) + "]");
    }
  }
}

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>* bytes) : bytes_(bytes) {}
  void u8(uint32_t at, uint8_t v) { (*bytes_)[at] = v; }
  void i8(uint32_t at, int32_t v) { (*bytes_)[at] = static_cast<uint8_t>(static_cast<int8_t>(v)); }
  void u16(uint32_t at, uint32_t v) {
    u8(at, static_cast<uint8_t>(v));
    u8(at + 1, static_cast<uint8_t>(v >> 8));
  }
  void u32(uint32_t at, uint32_t v) {
    u16(at, v & 0xFFFFu);
    u16(at + 2, v >> 16);
  }
  void i32(uint32_t at, int32_t v) { u32(at, static_cast<uint32_t>(v)); }
  void f32(uint32_t at, float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    u32(at, bits);
  }

 private:
  std::vector<uint8_t>* bytes_;
};

// Where an op's constants live in the pool.
struct OpConstants {
  uint32_t weights = rt::kNoOffset;
  uint32_t bias = rt::kNoOffset;
  uint32_t multiplier = rt::kNoOffset;
  uint32_t shift = rt::kNoOffset;
  uint32_t concat_inputs = rt::kNoOffset;  // kConcatenation: the input table
};

// Lays out the pool exactly as docs/model-format.md says; returns its size.
int64_t layout_pool(const Graph& graph, std::vector<OpConstants>* layout) {
  int64_t size = 0;
  for (const Op& op : graph.ops) {
    OpConstants c;
    if (op_has_weights(op.kind)) {
      const int64_t channels = output_channels(graph, op);
      c.weights = static_cast<uint32_t>(size);
      size += align_up(static_cast<uint32_t>(graph.tensors[op.weights].bytes()), kWeightsAlignment);
      if (!op.bias.empty()) {
        c.bias = static_cast<uint32_t>(size);
        size += channels * kInt32Bytes;
      }
      c.multiplier = static_cast<uint32_t>(size);
      size += channels * kInt32Bytes;
      c.shift = static_cast<uint32_t>(size);
      size += channels * kInt32Bytes;
      if (size > kMaxFileBytes) fail("constant pool exceeds 4 GiB");
    }
    if (op.kind == OpKind::kConcatenation) {
      c.concat_inputs = static_cast<uint32_t>(size);
      size += rt::concat_input_table_bytes(static_cast<int32_t>(op.inputs.size()));
      if (size > kMaxFileBytes) fail("constant pool exceeds 4 GiB");
    }
    if (layout != nullptr) layout->push_back(c);
  }
  return size;
}

// `patch_region_bytes` > 0: a tensor inside the patch stage, with that many bytes per patch;
// `ring_rows` > 0: an inner tensor of a streamed stage, a ring of that many rows.
void write_tensor_record(ByteWriter& out, uint32_t at, const Tensor& t, uint32_t offset,
                         bool streamed, int64_t patch_region_bytes, int64_t ring_rows) {
  namespace tr = rt::tensor_record;
  out.u8(at + tr::kDType, static_cast<uint8_t>(rt::DType::kInt8));
  const rt::Storage storage = t.is_constant            ? rt::Storage::kConstant
                              : streamed               ? rt::Storage::kStreamed
                              : patch_region_bytes > 0 ? rt::Storage::kPatched
                              : ring_rows > 0          ? rt::Storage::kRing
                                                       : rt::Storage::kArena;
  out.u32(at + tr::kPatchRegionBytes, static_cast<uint32_t>(patch_region_bytes));
  out.u16(at + tr::kRingRows, static_cast<uint32_t>(ring_rows));
  out.u8(at + tr::kStorage, static_cast<uint8_t>(storage));
  const int dims[] = {t.shape.n, t.shape.h, t.shape.w, t.shape.c};
  for (uint32_t d = 0; d < 4; ++d) out.u16(at + tr::kDims + 2 * d, static_cast<uint32_t>(dims[d]));
  out.u32(at + tr::kOffset, offset);
  out.u32(at + tr::kSizeBytes, static_cast<uint32_t>(t.bytes()));
  // Weights are symmetric per channel; their scales live on in the multipliers only.
  out.i32(at + tr::kZeroPoint, t.is_constant ? 0 : t.zero_point);
  out.f32(at + tr::kScale, t.is_constant ? 0.0f : t.scale);
}

// The kind-specific fields of a version-2 op (model_format.h, op_record).
void write_version2_fields(ByteWriter& out, uint32_t at, const Graph& graph, const Op& op,
                           const OpConstants& constants, std::vector<uint8_t>& bytes,
                           uint32_t pool_offset) {
  namespace orc = rt::op_record;
  const Tensor& in = graph.tensors[op.inputs[0]];
  const Tensor& o = graph.tensors[op.output];
  switch (op.kind) {
    case OpKind::kSoftmax: {
      const SoftmaxQuantization q = softmax_quantization(op.beta, in.scale);
      out.i32(at + orc::kSoftmaxInputMultiplier, q.input_multiplier);
      out.i32(at + orc::kSoftmaxInputLeftShift, q.input_left_shift);
      out.i32(at + orc::kSoftmaxDiffMin, q.diff_min);
      return;
    }
    case OpKind::kQuantize: {
      const QuantizedMultiplier q = requantization_multiplier(in.scale, o.scale);
      out.i32(at + orc::kOutputMultiplier, q.multiplier);
      out.i32(at + orc::kOutputShift, q.shift);
      return;
    }
    case OpKind::kMean: {
      const MeanQuantization q =
          mean_quantization(in.scale, in.zero_point, o.scale, o.zero_point, op.keep_dims);
      out.u32(at + orc::kMeanMode, static_cast<uint32_t>(q.mode));
      out.i32(at + orc::kOutputMultiplier, q.multiplier.multiplier);
      out.i32(at + orc::kOutputShift, q.multiplier.shift);
      out.f32(at + orc::kMeanScale, q.scale);
      return;
    }
    case OpKind::kConcatenation: {
      out.u32(at + orc::kConcatInputTable, constants.concat_inputs);
      out.i32(at + orc::kConcatInputCount, static_cast<int32_t>(op.inputs.size()));
      ByteWriter pool(&bytes);
      for (size_t k = 0; k < op.inputs.size(); ++k) {
        namespace entry = rt::concat_input_entry;
        const uint32_t e = pool_offset + constants.concat_inputs +
                           static_cast<uint32_t>(k) * rt::kConcatInputEntrySize;
        const Tensor& input = graph.tensors[op.inputs[k]];
        pool.u16(e + entry::kTensor, static_cast<uint32_t>(op.inputs[k]));
        // TFLite copies inputs of the output's quantization; others are requantized.
        const bool copy = input.zero_point == o.zero_point && input.scale == o.scale;
        pool.u8(e + entry::kRequantize, copy ? 0 : 1);
        if (copy) continue;
        const QuantizedMultiplier q = requantization_multiplier(input.scale, o.scale);
        pool.i32(e + entry::kMultiplier, q.multiplier);
        pool.i32(e + entry::kShift, q.shift);
      }
      return;
    }
    default:
      return;
  }
}

void write_op_record(ByteWriter& out, uint32_t at, const Graph& graph, int index,
                     const MemoryPlan& plan, const OpConstants& constants,
                     std::vector<uint8_t>& bytes, uint32_t pool_offset) {
  namespace orc = rt::op_record;
  const Op& op = graph.ops[index];
  const Tensor& in = graph.tensors[op.inputs[0]];
  const Tensor& o = graph.tensors[op.output];
  out.u8(at + orc::kKind, static_cast<uint8_t>(op.kind));
  uint8_t flags = (plan.in_place[index] ? rt::kOpFlagInPlace : 0) |
                  (plan.op_fused(index) ? rt::kOpFlagFusedRows : 0);
  for (const StreamedStageRange& stage : plan.streamed_stages) {
    if (index < stage.first || index > stage.last) continue;
    flags |= rt::kOpFlagStreamed | (index == stage.first ? rt::kOpFlagStreamStart : 0);
  }
  out.u8(at + orc::kFlags, flags);
  const ActivationRange range = activation_range(op.activation, o.scale, o.zero_point);
  out.i8(at + orc::kActivationMin, range.min);
  out.i8(at + orc::kActivationMax, range.max);
  out.u16(at + orc::kInput0, static_cast<uint32_t>(op.inputs[0]));
  out.u16(at + orc::kInput1,
          op.kind == OpKind::kAdd ? static_cast<uint32_t>(op.inputs[1]) : rt::kNoTensor);
  out.u16(at + orc::kWeights, op.weights >= 0 ? static_cast<uint32_t>(op.weights) : rt::kNoTensor);
  out.u16(at + orc::kOutput, static_cast<uint32_t>(op.output));
  if (op_has_window(op.kind)) {
    out.u8(at + orc::kKernelH, static_cast<uint8_t>(op.kernel_h));
    out.u8(at + orc::kKernelW, static_cast<uint8_t>(op.kernel_w));
    out.u8(at + orc::kStrideH, static_cast<uint8_t>(op.stride_h));
    out.u8(at + orc::kStrideW, static_cast<uint8_t>(op.stride_w));
  }
  if (op_has_padding(op.kind)) {
    out.u8(at + orc::kPadTop, static_cast<uint8_t>(op.pad_top));
    out.u8(at + orc::kPadLeft, static_cast<uint8_t>(op.pad_left));
    out.u8(at + orc::kPadBottom, static_cast<uint8_t>(op.pad_bottom));
    out.u8(at + orc::kPadRight, static_cast<uint8_t>(op.pad_right));
  }
  out.u32(at + orc::kBiasOffset, constants.bias);
  out.u32(at + orc::kMultiplierOffset, constants.multiplier);
  out.u32(at + orc::kShiftOffset, constants.shift);
  out.u32(at + orc::kScratchBytes, static_cast<uint32_t>(plan.op_scratch[index]));

  ByteWriter pool(&bytes);
  if (op_has_weights(op.kind)) {
    const Tensor& w = graph.tensors[op.weights];
    const int channels = o.shape.c;
    std::memcpy(bytes.data() + pool_offset + constants.weights, w.data.data(), w.data.size());
    for (int c = 0; c < static_cast<int>(op.bias.size()); ++c) {
      pool.i32(pool_offset + constants.bias + kInt32Bytes * c, op.bias[c]);
    }
    const std::vector<QuantizedMultiplier> multipliers =
        per_channel_multipliers(in.scale, w.channel_scales, o.scale, channels);
    for (int c = 0; c < channels; ++c) {
      pool.i32(pool_offset + constants.multiplier + kInt32Bytes * c, multipliers[c].multiplier);
      pool.i32(pool_offset + constants.shift + kInt32Bytes * c, multipliers[c].shift);
    }
  }
  if (op.kind == OpKind::kAdd) {
    const AddQuantization q =
        add_quantization(in.scale, graph.tensors[op.inputs[1]].scale, o.scale);
    out.i32(at + orc::kInput0Multiplier, q.input0.multiplier);
    out.i32(at + orc::kInput0Shift, q.input0.shift);
    out.i32(at + orc::kInput1Multiplier, q.input1.multiplier);
    out.i32(at + orc::kInput1Shift, q.input1.shift);
    out.i32(at + orc::kOutputMultiplier, q.output.multiplier);
    out.i32(at + orc::kOutputShift, q.output.shift);
    out.i32(at + orc::kLeftShift, q.left_shift);
  }
  if (op.kind == OpKind::kGlobalAveragePool) {
    const QuantizedMultiplier q =
        global_average_pool_multiplier(in.scale, o.scale, in.shape.h, in.shape.w);
    out.i32(at + orc::kOutputMultiplier, q.multiplier);
    out.i32(at + orc::kOutputShift, q.shift);
  }
  write_version2_fields(out, at, graph, op, constants, bytes, pool_offset);
}

// Version 1 unless the graph needs a version-2 feature (a newer kind, a depth multiplier, real
// edges), so that a model a version-1 runtime can run stays one it reads.
uint16_t format_version(const Graph& graph) {
  constexpr uint16_t kVersion1 = 1;
  constexpr uint16_t kVersion2 = 2;
  if (graph.real_input || graph.real_output) return kVersion2;
  for (const Op& op : graph.ops) {
    if (static_cast<uint8_t>(op.kind) >= rt::kVersion1OpKindCount) return kVersion2;
    if (op.kind == OpKind::kDepthwiseConv2d &&
        graph.tensors[op.output].shape.c != graph.tensors[op.inputs[0]].shape.c) {
      return kVersion2;
    }
  }
  return kVersion1;
}

// The written bytes must pass the runtime's validator (which also bounds every int32 the
// kernels compute); a failure is reported with the op's or tensor's name.
void self_check(const Graph& graph, const std::vector<uint8_t>& bytes) {
  rt::ValidationError error;
  if (rt::validate_model(bytes.data(), static_cast<uint32_t>(bytes.size()), nullptr, &error) ==
      rt::Status::kOk) {
    return;
  }
  char message[kValidationMessageBytes];
  rt::format_validation_error(error, message, sizeof(message));
  std::string where;
  if (error.section == rt::ModelSection::kOpTable)
    where = " (" + describe_op(graph, error.index) + ")";
  if (error.section == rt::ModelSection::kTensorTable) {
    where = " (" + describe_tensor(graph, error.index) + ")";
  }
  fail(std::string("the model fails validation: ") + message + where);
}

}  // namespace

int64_t constant_pool_bytes(const Graph& graph) { return layout_pool(graph, nullptr); }

std::vector<uint8_t> write_model(const Graph& graph, const MemoryPlan& plan) {
  return write_model(validate_graph(graph, GraphUse::kModelFile, "write_model"), plan);
}

std::vector<uint8_t> write_model(const ValidatedGraph& validated, const MemoryPlan& plan) {
  const ValidatedGraph checked =
      validated.valid_for(GraphUse::kModelFile)
          ? validated
          : validate_graph(validated.graph(), GraphUse::kModelFile, "write_model");
  const Graph& graph = checked.graph();
  check_plan(graph, plan);

  std::vector<OpConstants> constants;
  const int64_t pool_size = layout_pool(graph, &constants);
  const uint32_t tensor_count = static_cast<uint32_t>(graph.tensors.size());
  const uint32_t op_count = static_cast<uint32_t>(graph.ops.size());
  const uint32_t tensor_table = rt::kHeaderSize;
  const uint32_t op_table = tensor_table + tensor_count * rt::kTensorRecordSize;
  const uint32_t pool =
      align_up(op_table + op_count * rt::kOpRecordSize, rt::kConstantPoolAlignment);
  const int64_t file_size = int64_t{pool} + pool_size;
  if (file_size > kMaxFileBytes) {
    fail("model would be " + std::to_string(file_size) + " bytes (a .tnm file holds < 4 GiB)");
  }

  std::vector<uint8_t> bytes(static_cast<size_t>(file_size), 0);
  ByteWriter out(&bytes);
  const std::vector<bool> streamed = streamed_tensors(graph, plan);
  for (uint32_t t = 0; t < tensor_count; ++t) {
    const Tensor& tensor = graph.tensors[t];
    // Streamed tensors have no arena bytes: offset 0 by the format's rule.
    uint32_t offset = streamed[t] ? 0u : static_cast<uint32_t>(plan.offsets[t]);
    if (tensor.is_constant) {
      for (uint32_t i = 0; i < op_count; ++i) {
        if (graph.ops[i].weights == static_cast<int>(t)) offset = constants[i].weights;
      }
    }
    write_tensor_record(out, tensor_table + t * rt::kTensorRecordSize, tensor, offset, streamed[t],
                        plan.tensor_patched(static_cast<int>(t)) ? plan.patch_region_bytes[t] : 0,
                        plan.tensor_ring(static_cast<int>(t)) ? plan.ring_rows[t] : 0);
  }
  bool any_in_place = false;
  bool any_fused = false;
  for (uint32_t i = 0; i < op_count; ++i) {
    try {
      write_op_record(out, op_table + i * rt::kOpRecordSize, graph, static_cast<int>(i), plan,
                      constants[i], bytes, pool);
    } catch (const std::invalid_argument& e) {  // from quantization.h: add which op
      fail(describe_op(graph, static_cast<int>(i)) + ": " + e.what());
    }
    any_in_place = any_in_place || plan.in_place[i];
    any_fused = any_fused || plan.op_fused(static_cast<int>(i));
  }

  namespace h = rt::header;
  out.u32(h::kMagic, rt::kModelMagic);
  out.u16(h::kVersion, format_version(graph));
  out.u16(h::kHeaderSizeField, rt::kHeaderSize);
  out.u32(h::kFileSize, static_cast<uint32_t>(file_size));
  out.u16(h::kTensorCount, tensor_count);
  out.u16(h::kOpCount, op_count);
  out.u32(h::kTensorTableOffset, tensor_table);
  out.u32(h::kOpTableOffset, op_table);
  out.u32(h::kConstantsOffset, pool);
  out.u32(h::kConstantsSize, static_cast<uint32_t>(pool_size));
  out.u32(h::kArenaSize, static_cast<uint32_t>(plan.arena_bytes));
  out.u32(h::kScratchSize, static_cast<uint32_t>(plan.scratch_bytes));
  out.u16(h::kInputTensor, static_cast<uint32_t>(graph.input));
  out.u16(h::kOutputTensor, static_cast<uint32_t>(graph.output));
  out.u32(h::kFlags,
          (any_in_place ? static_cast<uint32_t>(rt::kModelFlagInPlaceDepthwise) : 0u) |
              (any_fused ? static_cast<uint32_t>(rt::kModelFlagFusedRows) : 0u) |
              (plan.patch.enabled() ? static_cast<uint32_t>(rt::kModelFlagPatchStage) : 0u) |
              (plan.streamed_stages.empty() ? 0u
                                            : static_cast<uint32_t>(rt::kModelFlagStreamedStages)) |
              (graph.real_input ? static_cast<uint32_t>(rt::kModelFlagRealInput) : 0u) |
              (graph.real_output ? static_cast<uint32_t>(rt::kModelFlagRealOutput) : 0u));
  if (plan.scratch_in_arena()) {
    if (plan.scratch_bytes != 0 || plan.arena_scratch_bytes <= 0 ||
        plan.arena_scratch_offset + plan.arena_scratch_bytes > plan.arena_bytes) {
      fail("memory plan puts " + std::to_string(plan.arena_scratch_bytes) +
           " B of scratch at arena offset " + std::to_string(plan.arena_scratch_offset) +
           " (arena " + std::to_string(plan.arena_bytes) + " B, separate scratch " +
           std::to_string(plan.scratch_bytes) + " B)");
    }
    out.u32(h::kFlags, rt::load_u32(bytes.data() + h::kFlags) |
                           static_cast<uint32_t>(rt::kModelFlagScratchInArena));
    out.u32(h::kArenaScratchOffset, static_cast<uint32_t>(plan.arena_scratch_offset));
    out.u32(h::kArenaScratchBytes, static_cast<uint32_t>(plan.arena_scratch_bytes));
  }
  if (plan.patch.enabled()) {
    out.u16(h::kPatchGrid, static_cast<uint32_t>(plan.patch.grid));
    out.u16(h::kPatchSplit, static_cast<uint32_t>(plan.patch.split));
  }
  out.u32(h::kCrc32, rt::crc32(bytes.data() + rt::kHeaderSize, bytes.size() - rt::kHeaderSize));

  self_check(graph, bytes);
  return bytes;
}

void write_model_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) {
    throw std::runtime_error("write_model_file: cannot open '" + path +
                             "' for writing: " + std::strerror(errno));
  }
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) {
    throw std::runtime_error("write_model_file: writing " + std::to_string(bytes.size()) +
                             " bytes to '" + path + "' failed: " + std::strerror(errno));
  }
}

}  // namespace tinynas::compiler
