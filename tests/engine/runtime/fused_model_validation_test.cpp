// Fused inverted-residual groups in the model file (kOpFlagFusedRows, Storage::kStreamed): a
// model written with the fused schedule validates and runs bit-exact with the plain one, and
// every malformed group is rejected with a status before anything runs.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "engine/runtime/crc32.h"
#include "engine/runtime/interpreter.h"
#include "engine/runtime/model_reader.h"
#include "tests/engine/compiler/model_test_graphs.h"

namespace tinynas::runtime {
namespace {

using Bytes = std::vector<uint8_t>;

// make_test_graph(): stem -> [expand -> depthwise -> project] -> (add) -> pool -> gap -> fc.
constexpr uint16_t kStem = 1, kExpand = 2, kDepthwise = 3, kProject = 4;
constexpr uint16_t kExpandOp = 1, kDepthwiseOp = 2, kProjectOp = 3, kAddOp = 4;
constexpr uint16_t kLastOp = 7;

Bytes model_bytes(compiler::Schedule schedule, int depthwise_stride = 1) {
  compiler::testing::TestGraphOptions options;
  options.depthwise_stride = depthwise_stride;
  const compiler::Graph graph = compiler::testing::make_test_graph(options);
  compiler::PlannerOptions planner;
  planner.schedule = schedule;
  return compiler::write_model(graph, compiler::plan_memory(graph, planner));
}

uint32_t tensor_field(uint16_t tensor, uint32_t field) {
  return kHeaderSize + uint32_t{tensor} * kTensorRecordSize + field;
}
uint32_t op_field(const Bytes& b, uint16_t op, uint32_t field) {
  return load_u32(b.data() + header::kOpTableOffset) + uint32_t{op} * kOpRecordSize + field;
}
void put_u16(Bytes& b, uint32_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}
void put_u32(Bytes& b, uint32_t at, uint32_t v) {
  put_u16(b, at, static_cast<uint16_t>(v));
  put_u16(b, at + 2, static_cast<uint16_t>(v >> 16));
}
void fix_crc(Bytes& b) {
  put_u32(b, header::kCrc32, crc32(b.data() + kHeaderSize, b.size() - kHeaderSize));
}

std::string describe(const ValidationError& e) {
  char text[96];
  format_validation_error(e, text, sizeof(text));
  return text;
}

void expect_rejected(const std::function<void(Bytes&)>& mutate, Status status, ModelSection section,
                     uint16_t index, uint32_t field, int depthwise_stride = 1) {
  Bytes b = model_bytes(compiler::Schedule::kFused, depthwise_stride);
  mutate(b);
  fix_crc(b);
  ValidationError e;
  ModelView view;
  EXPECT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size()), &view, &e), status)
      << describe(e);
  EXPECT_FALSE(view.valid());
  EXPECT_EQ(e.section, section) << describe(e);
  EXPECT_EQ(e.index, index) << describe(e);
  EXPECT_EQ(e.field, field) << describe(e);
}

void expect_op_error(const std::function<void(Bytes&)>& mutate, Status status, uint16_t op,
                     uint32_t field, int depthwise_stride = 1) {
  expect_rejected(mutate, status, ModelSection::kOpTable, op, field, depthwise_stride);
}

std::vector<int8_t> run(const Bytes& b, const std::vector<int8_t>& input) {
  ModelView view;
  EXPECT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size()), &view, nullptr), Status::kOk);
  std::vector<uint8_t> arena(view.arena_size());
  std::vector<uint8_t> scratch(view.scratch_size() + 1);
  Interpreter interpreter;
  EXPECT_EQ(interpreter.init(view, arena.data(), static_cast<uint32_t>(arena.size()),
                             scratch.data(), view.scratch_size()),
            Status::kOk);
  std::memcpy(interpreter.input(), input.data(), input.size());
  EXPECT_EQ(interpreter.invoke(), Status::kOk);
  return {interpreter.output(), interpreter.output() + interpreter.output_info().size_bytes};
}

TEST(FusedModelTest, WrittenFusedModelValidatesAndMatchesThePlainModel) {
  for (int stride : {1, 2}) {
    const Bytes fused = model_bytes(compiler::Schedule::kFused, stride);
    const Bytes plain = model_bytes(compiler::Schedule::kPlain, stride);
    ModelView view;
    ASSERT_EQ(validate_model(fused.data(), static_cast<uint32_t>(fused.size()), &view, nullptr),
              Status::kOk);
    EXPECT_NE(view.flags() & kModelFlagFusedRows, 0u);
    for (uint16_t op : {kExpandOp, kDepthwiseOp, kProjectOp}) {
      EXPECT_TRUE(view.op(op).fused_rows()) << op;
      EXPECT_FALSE(view.op(op).in_place()) << op;
    }
    EXPECT_FALSE(view.op(0).fused_rows());
    EXPECT_EQ(view.tensor(kExpand).storage, Storage::kStreamed);
    EXPECT_EQ(view.tensor(kDepthwise).storage, Storage::kStreamed);
    EXPECT_EQ(view.tensor(kProject).storage, Storage::kArena);
    EXPECT_GT(view.op(kExpandOp).scratch_bytes, 0u);

    const std::vector<int8_t> input = compiler::testing::random_input(
        view.tensor(view.input_tensor()).size_bytes, static_cast<uint32_t>(stride));
    EXPECT_EQ(run(fused, input), run(plain, input)) << "stride " << stride;
  }
}

TEST(FusedModelTest, PlainModelsCarryNoFusedBits) {
  const Bytes plain = model_bytes(compiler::Schedule::kPlain);
  ModelView view;
  ASSERT_EQ(validate_model(plain.data(), static_cast<uint32_t>(plain.size()), &view, nullptr),
            Status::kOk);
  EXPECT_EQ(view.flags() & kModelFlagFusedRows, 0u);
  for (uint16_t op = 0; op < view.op_count(); ++op) EXPECT_FALSE(view.op(op).fused_rows());
  for (uint16_t t = 0; t < view.tensor_count(); ++t) {
    EXPECT_NE(view.tensor(t).storage, Storage::kStreamed);
  }
}

TEST(FusedModelTest, StreamedTensorsNeedTheModelFlagAndOffsetZero) {
  expect_rejected([](Bytes& b) { put_u32(b, header::kFlags, 0); }, Status::kBadTensor,
                  ModelSection::kTensorTable, kExpand, tensor_record::kStorage);
  expect_rejected([](Bytes& b) { put_u32(b, tensor_field(kDepthwise, tensor_record::kOffset), 4); },
                  Status::kBadTensor, ModelSection::kTensorTable, kDepthwise,
                  tensor_record::kOffset);
}

TEST(FusedModelTest, GroupsAreWholeTriples) {
  // The project op left out: the group ends after two ops.
  expect_op_error([](Bytes& b) { b[op_field(b, kProjectOp, op_record::kFlags)] = 0; },
                  Status::kBadFusedGroup, kProjectOp, op_record::kFlags);
  // The expand op left out: it writes a streamed tensor outside any group.
  expect_op_error([](Bytes& b) { b[op_field(b, kExpandOp, op_record::kFlags)] = 0; },
                  Status::kBadFusedGroup, kExpandOp, op_record::kOutput);
  // A fourth flagged op starts a new group whose output would have to be streamed.
  expect_op_error([](Bytes& b) { b[op_field(b, kAddOp, op_record::kFlags)] = kOpFlagFusedRows; },
                  Status::kBadFusedGroup, kAddOp, op_record::kOutput);
  expect_op_error([](Bytes& b) { b[op_field(b, kLastOp, op_record::kFlags)] = kOpFlagFusedRows; },
                  Status::kBadFusedGroup, kLastOp, op_record::kOutput);
}

TEST(FusedModelTest, GroupsAreExpandDepthwiseProject) {
  // Expand with stride 2 is no pointwise conv.
  expect_op_error(
      [](Bytes& b) {
        b[op_field(b, kExpandOp, op_record::kStrideH)] = 2;
        b[op_field(b, kExpandOp, op_record::kStrideW)] = 2;
      },
      Status::kBadFusedGroup, kExpandOp, op_record::kKind);
  // The depthwise op may not also run in place.
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, header::kFlags, kModelFlagFusedRows | kModelFlagInPlaceDepthwise);
        b[op_field(b, kDepthwiseOp, op_record::kFlags)] = kOpFlagFusedRows | kOpFlagInPlace;
      },
      Status::kBadFusedGroup, kDepthwiseOp, op_record::kFlags);
  // The project op must read the depthwise output, not another streamed tensor.
  expect_op_error(
      [](Bytes& b) { put_u16(b, op_field(b, kProjectOp, op_record::kInput0), kExpand); },
      Status::kBadFusedGroup, kProjectOp, op_record::kInput0);
}

TEST(FusedModelTest, StreamedTensorsAreUsedOnlyInsideTheirGroup) {
  expect_op_error([](Bytes& b) { put_u16(b, op_field(b, kAddOp, op_record::kInput1), kDepthwise); },
                  Status::kBadFusedGroup, kAddOp, op_record::kInput1);
  // The group's output must be an arena tensor.
  expect_rejected(
      [](Bytes& b) {
        b[tensor_field(kProject, tensor_record::kStorage)] =
            static_cast<uint8_t>(Storage::kStreamed);
        put_u32(b, tensor_field(kProject, tensor_record::kOffset), 0);
      },
      Status::kBadFusedGroup, ModelSection::kOpTable, kProjectOp, op_record::kOutput);
}

TEST(FusedModelTest, RingMustFitTheScratch) {
  expect_op_error(
      [](Bytes& b) {
        const uint32_t field = op_field(b, kExpandOp, op_record::kScratchBytes);
        put_u32(b, field, load_u32(b.data() + field) - 1);
      },
      Status::kBadOpParameter, kExpandOp, op_record::kScratchBytes);
  expect_op_error(
      [](Bytes& b) {
        const uint32_t need = load_u32(b.data() + op_field(b, kExpandOp, op_record::kScratchBytes));
        put_u32(b, header::kScratchSize, need - 1);
      },
      Status::kBadOpParameter, kExpandOp, op_record::kScratchBytes);
}

TEST(FusedModelTest, GroupInputStaysLiveUntilTheGroupEnds) {
  // Without the residual add the stem output's last reader is the expand op; the group still
  // reads it while it writes the project output, so the two may not share bytes.
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, tensor_field(kProject, tensor_record::kOffset),
                load_u32(b.data() + tensor_field(kStem, tensor_record::kOffset)));
      },
      Status::kArenaOverlap, kProjectOp, op_record::kOutput, /*depthwise_stride=*/2);
}

}  // namespace
}  // namespace tinynas::runtime
