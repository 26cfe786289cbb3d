// Streamed stages in the model file (kModelFlagStreamedStages, kOpFlagStreamed /
// kOpFlagStreamStart, Storage::kRing with its ring rows): a model written with a stage validates
// and runs bit-exact with the plain one, and every malformed stage is refused with the record
// and field named before anything runs.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"
#include "engine/runtime/interpreter.h"
#include "engine/runtime/model_reader.h"
#include "tests/engine/compiler/model_test_graphs.h"
#include "tests/engine/runtime/model_bytes.h"

namespace tinynas::runtime {
namespace {

using testing::Bytes;
using testing::describe;
using testing::fix_crc;
using testing::op_field;
using testing::put_u16;
using testing::put_u32;
using testing::tensor_field;

// make_test_graph(): stem conv -> [expand -> depthwise -> project] -> add -> avg pool -> gap ->
// fc; the stage is ops 0-5 (through the pool).
constexpr uint16_t kExpandOp = 1, kDepthwiseOp = 2, kPoolOp = 5, kGapOp = 6, kFcOp = 7;

compiler::Graph test_graph() { return compiler::testing::make_test_graph(); }

Bytes model_bytes(bool streamed) {
  const compiler::Graph graph = test_graph();
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning, "test");
  std::vector<compiler::StreamedStageRange> stages;
  if (streamed) stages.push_back({0, kPoolOp});
  return compiler::write_model(graph, compiler::plan_schedule(validated, {}, {}, {}, stages));
}

uint16_t output_of(uint16_t op) { return static_cast<uint16_t>(test_graph().ops[op].output); }

void expect_rejected(const std::function<void(Bytes&)>& mutate, Status status, ModelSection section,
                     uint16_t index, uint32_t field) {
  Bytes b = model_bytes(true);
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

TEST(StreamedModelTest, WrittenStreamedModelValidatesAndMatchesThePlainModel) {
  const Bytes plain = model_bytes(false);
  const Bytes streamed = model_bytes(true);
  ModelView view;
  ASSERT_EQ(validate_model(streamed.data(), static_cast<uint32_t>(streamed.size()), &view, nullptr),
            Status::kOk);
  EXPECT_NE(view.flags() & kModelFlagStreamedStages, 0u);
  EXPECT_TRUE(view.op(0).stream_start());
  for (uint16_t i = 0; i <= kPoolOp; ++i) {
    EXPECT_TRUE(view.op(i).streamed()) << i;
    EXPECT_EQ(view.op(i).stream_start(), i == 0) << i;
    const TensorInfo output = view.tensor(view.op(i).output);
    EXPECT_EQ(output.storage, i < kPoolOp ? Storage::kRing : Storage::kArena) << i;
    if (i < kPoolOp) {
      EXPECT_GE(output.ring_rows, 1) << i;
      EXPECT_LE(output.ring_rows, output.shape.h) << i;
    }
  }
  EXPECT_FALSE(view.op(kGapOp).streamed());
  ModelView plain_view;
  ASSERT_EQ(validate_model(plain.data(), static_cast<uint32_t>(plain.size()), &plain_view, nullptr),
            Status::kOk);
  for (uint32_t seed = 0; seed < 4; ++seed) {
    std::vector<int8_t> input(plain_view.tensor(plain_view.input_tensor()).size_bytes);
    for (size_t k = 0; k < input.size(); ++k) input[k] = static_cast<int8_t>(k * 37 + seed * 11);
    EXPECT_EQ(run(streamed, input), run(plain, input)) << seed;
  }
}

TEST(StreamedModelTest, RingTooSmallForItsReadersWindowIsRefused) {
  // The depthwise op's 3-row window reads the expand op's ring.
  expect_rejected(
      [](Bytes& b) { put_u16(b, tensor_field(output_of(kExpandOp), tensor_record::kRingRows), 2); },
      Status::kBadStreamedStage, ModelSection::kTensorTable, output_of(kExpandOp),
      tensor_record::kRingRows);
  expect_rejected(
      [](Bytes& b) { put_u16(b, tensor_field(output_of(kExpandOp), tensor_record::kRingRows), 0); },
      Status::kBadStreamedStage, ModelSection::kTensorTable, output_of(kExpandOp),
      tensor_record::kRingRows);
  expect_rejected(
      [](Bytes& b) {
        put_u16(b, tensor_field(output_of(kExpandOp), tensor_record::kRingRows), 999);
      },
      Status::kBadStreamedStage, ModelSection::kTensorTable, output_of(kExpandOp),
      tensor_record::kRingRows);
}

TEST(StreamedModelTest, BadOpRangesAreRefused) {
  // A stage that does not start: op 0 continues nothing.
  expect_rejected([](Bytes& b) { b[op_field(b, 0, op_record::kFlags)] = kOpFlagStreamed; },
                  Status::kBadStreamedStage, ModelSection::kOpTable, 0, op_record::kFlags);
  // A start flag without the streamed flag.
  expect_rejected([](Bytes& b) { b[op_field(b, kGapOp, op_record::kFlags)] = kOpFlagStreamStart; },
                  Status::kBadStreamedStage, ModelSection::kOpTable, kGapOp, op_record::kFlags);
  // A stage of one op (the pool alone): the op before it then ends a stage with a ring output.
  expect_rejected(
      [](Bytes& b) {
        b[op_field(b, kPoolOp, op_record::kFlags)] = kOpFlagStreamed | kOpFlagStreamStart;
      },
      Status::kBadStreamedStage, ModelSection::kOpTable, kPoolOp - 1, op_record::kOutput);
  // Streamed ops in a model without the model flag: its ring tensors are refused first.
  expect_rejected(
      [](Bytes& b) {
        put_u32(b, header::kFlags, load_u32(b.data() + header::kFlags) & ~kModelFlagStreamedStages);
      },
      Status::kBadTensor, ModelSection::kTensorTable, output_of(0), tensor_record::kStorage);
}

TEST(StreamedModelTest, OpsThatCannotStreamAreRefused) {
  // A second stage of global pool and fully connected: neither runs row by row.
  expect_rejected(
      [](Bytes& b) {
        b[op_field(b, kGapOp, op_record::kFlags)] = kOpFlagStreamed | kOpFlagStreamStart;
        b[op_field(b, kFcOp, op_record::kFlags)] = kOpFlagStreamed;
      },
      Status::kBadStreamedStage, ModelSection::kOpTable, kGapOp, op_record::kKind);
  // In place inside a stage.
  expect_rejected(
      [](Bytes& b) {
        b[op_field(b, kDepthwiseOp, op_record::kFlags)] = kOpFlagStreamed | kOpFlagInPlace;
      },
      Status::kBadStreamedStage, ModelSection::kOpTable, kDepthwiseOp, op_record::kFlags);
}

TEST(StreamedModelTest, RingsReadOutsideTheirStageAreRefused) {
  expect_rejected(
      [](Bytes& b) { put_u16(b, op_field(b, kGapOp, op_record::kInput0), output_of(kExpandOp)); },
      Status::kBadStreamedStage, ModelSection::kOpTable, kGapOp, op_record::kInput0);
}

TEST(StreamedModelTest, ScratchTooSmallForAGatheredWindowIsRefused) {
  // The 2 x 2 average pool reads the add's ring: a window that wraps is gathered in the scratch.
  const Bytes b = model_bytes(true);
  ASSERT_GT(load_u32(b.data() + op_field(b, kPoolOp, op_record::kScratchBytes)), 0u);
  expect_rejected(
      [](Bytes& bytes) { put_u32(bytes, op_field(bytes, kPoolOp, op_record::kScratchBytes), 1); },
      Status::kBadStreamedStage, ModelSection::kOpTable, kPoolOp, op_record::kScratchBytes);
}

TEST(StreamedModelTest, RingsSharingBytesWithLiveTensorsAreRefused) {
  // The expand ring moved onto the stage input, which the stem conv reads until the stage ends:
  // an op of the stage (the stem conv or the expand op, whichever the check meets first) writes
  // over a live tensor.
  Bytes b = model_bytes(true);
  const uint16_t input = load_u16(b.data() + header::kInputTensor);
  put_u32(b, tensor_field(output_of(kExpandOp), tensor_record::kOffset),
          load_u32(b.data() + tensor_field(input, tensor_record::kOffset)));
  fix_crc(b);
  ValidationError e;
  EXPECT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size()), nullptr, &e),
            Status::kArenaOverlap)
      << describe(e);
  EXPECT_EQ(e.section, ModelSection::kOpTable);
  EXPECT_LE(e.index, kExpandOp);
  EXPECT_EQ(e.field, op_record::kOutput);
}

}  // namespace
}  // namespace tinynas::runtime
