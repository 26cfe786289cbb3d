// The patch stage in the model file (kModelFlagPatchStage, patch grid / split in the header,
// Storage::kPatched with its region bytes): a model written with a patch stage validates and
// runs bit-exact with the plain one, and every malformed stage is rejected with a status before
// anything runs.
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

// make_test_graph(): stem conv -> [expand -> depthwise -> project] -> add -> pool -> gap -> fc;
// the patch stage is ops 0-4 (through the add), split output: the residual tensor (4 x 4 x 8).
constexpr uint16_t kStem = 1, kExpand = 2, kDepthwise = 3, kProject = 4;
constexpr uint16_t kDepthwiseOp = 2, kAddOp = 4, kPoolOp = 5;
constexpr uint16_t kSplit = 5;
constexpr uint16_t kGrid = 2;

Bytes model_bytes(compiler::Schedule schedule, compiler::PatchConfig patch = {kGrid, kSplit}) {
  const compiler::Graph graph = compiler::testing::make_test_graph();
  compiler::PlannerOptions planner;
  planner.schedule = schedule;
  if (schedule == compiler::Schedule::kPatch) planner.patch = patch;
  return compiler::write_model(graph, compiler::plan_memory(graph, planner));
}

// The add's output (created after the block's weight tensors).
uint16_t residual_tensor() {
  return static_cast<uint16_t>(compiler::testing::make_test_graph().ops[kAddOp].output);
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
                     uint16_t index, uint32_t field) {
  Bytes b = model_bytes(compiler::Schedule::kPatch);
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

void expect_header_error(const std::function<void(Bytes&)>& mutate, Status status, uint32_t field) {
  expect_rejected(mutate, status, ModelSection::kHeader, 0, field);
}
void expect_tensor_error(const std::function<void(Bytes&)>& mutate, Status status, uint16_t tensor,
                         uint32_t field) {
  expect_rejected(mutate, status, ModelSection::kTensorTable, tensor, field);
}
void expect_op_error(const std::function<void(Bytes&)>& mutate, Status status, uint16_t op,
                     uint32_t field) {
  expect_rejected(mutate, status, ModelSection::kOpTable, op, field);
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

TEST(PatchModelTest, WrittenPatchModelValidatesAndMatchesThePlainModel) {
  const Bytes plain = model_bytes(compiler::Schedule::kPlain);
  for (uint16_t grid : {2, 3, 4}) {
    const Bytes patched = model_bytes(compiler::Schedule::kPatch, {grid, kSplit});
    ModelView view;
    ASSERT_EQ(validate_model(patched.data(), static_cast<uint32_t>(patched.size()), &view, nullptr),
              Status::kOk);
    EXPECT_NE(view.flags() & kModelFlagPatchStage, 0u);
    EXPECT_EQ(view.patch_grid(), grid);
    EXPECT_EQ(view.patch_split(), kSplit);
    for (uint16_t t : {kStem, kExpand, kDepthwise, kProject}) {
      EXPECT_EQ(view.tensor(t).storage, Storage::kPatched) << t;
      EXPECT_GT(view.tensor(t).patch_region_bytes, 0u) << t;
      EXPECT_LE(view.tensor(t).patch_region_bytes, view.tensor(t).size_bytes) << t;
    }
    EXPECT_EQ(view.tensor(residual_tensor()).storage, Storage::kArena);
    const std::vector<int8_t> input = compiler::testing::random_input(
        view.tensor(view.input_tensor()).size_bytes, static_cast<uint32_t>(grid));
    EXPECT_EQ(run(patched, input), run(plain, input)) << "grid " << grid;
  }
}

TEST(PatchModelTest, PlainModelsCarryNoPatchFields) {
  const Bytes plain = model_bytes(compiler::Schedule::kPlain);
  ModelView view;
  ASSERT_EQ(validate_model(plain.data(), static_cast<uint32_t>(plain.size()), &view, nullptr),
            Status::kOk);
  EXPECT_EQ(view.flags() & kModelFlagPatchStage, 0u);
  EXPECT_EQ(view.patch_grid(), 0);
  EXPECT_EQ(view.patch_split(), 0);
  EXPECT_EQ(load_u32(plain.data() + header::kPatchGrid), 0u);
}

TEST(PatchModelTest, RejectsPatchHeaderFieldsOutOfRange) {
  for (uint16_t grid : {0, 1, 17, 0xFFFF}) {
    expect_header_error([grid](Bytes& b) { put_u16(b, header::kPatchGrid, grid); },
                        Status::kBadPatchStage, header::kPatchGrid);
  }
  // A grid finer than the 4 x 4 split output leaves patches without a tile.
  expect_header_error([](Bytes& b) { put_u16(b, header::kPatchGrid, 5); }, Status::kBadPatchStage,
                      header::kPatchGrid);
  // No ops, every op (nothing left after the split), more than kMaxPatchStageOps.
  for (uint16_t split : {0, 8, 33, 0xFFFF}) {
    expect_header_error([split](Bytes& b) { put_u16(b, header::kPatchSplit, split); },
                        Status::kBadPatchStage, header::kPatchSplit);
  }
}

TEST(PatchModelTest, RejectsPatchFieldsWithoutTheFlagAndTheFlagWithoutFields) {
  expect_header_error(
      [](Bytes& b) { put_u32(b, header::kFlags, load_u32(b.data() + header::kFlags) & ~4u); },
      Status::kBadHeader, header::kPatchGrid);
  expect_header_error(
      [](Bytes& b) {
        put_u16(b, header::kPatchGrid, 0);
        put_u16(b, header::kPatchSplit, 0);
      },
      Status::kBadPatchStage, header::kPatchGrid);
  // The reserved bytes before the patch fields stay zero with the flag set.
  expect_header_error([](Bytes& b) { b[header::kReserved] = 1; }, Status::kBadHeader,
                      header::kReserved);
  // Patched tensors need the flag.
  expect_tensor_error(
      [](Bytes& b) {
        put_u32(b, header::kFlags, load_u32(b.data() + header::kFlags) & ~4u);
        put_u32(b, header::kPatchGrid, 0);
      },
      Status::kBadTensor, kStem, tensor_record::kStorage);
}

TEST(PatchModelTest, RejectsRegionBytesThatDisagreeWithTheGeometry) {
  const uint32_t at = tensor_field(kExpand, tensor_record::kPatchRegionBytes);
  expect_tensor_error([at](Bytes& b) { put_u32(b, at, load_u32(b.data() + at) - 1); },
                      Status::kBadPatchStage, kExpand, tensor_record::kPatchRegionBytes);
  expect_tensor_error([at](Bytes& b) { put_u32(b, at, load_u32(b.data() + at) + 1); },
                      Status::kBadPatchStage, kExpand, tensor_record::kPatchRegionBytes);
  expect_tensor_error([at](Bytes& b) { put_u32(b, at, 0); }, Status::kBadPatchStage, kExpand,
                      tensor_record::kPatchRegionBytes);
  expect_tensor_error([at](Bytes& b) { put_u32(b, at, 0xFFFFFFFFu); }, Status::kBadPatchStage,
                      kExpand, tensor_record::kPatchRegionBytes);
  // Region bytes on a tensor that is whole in the arena.
  expect_tensor_error(
      [](Bytes& b) {
        put_u32(b, tensor_field(residual_tensor(), tensor_record::kPatchRegionBytes), 8);
      },
      Status::kBadTensor, residual_tensor(), tensor_record::kReserved1);
  // A region past the end of the arena.
  expect_tensor_error(
      [](Bytes& b) {
        put_u32(b, tensor_field(kStem, tensor_record::kOffset),
                load_u32(b.data() + header::kArenaSize) - 1);
      },
      Status::kTensorOutOfBounds, kStem, tensor_record::kOffset);
}

TEST(PatchModelTest, RejectsOpsAndOperandsTheStageCannotRun) {
  // In place (or fused) inside the stage.
  expect_op_error([](Bytes& b) { b[op_field(b, kDepthwiseOp, op_record::kFlags)] = 1; },
                  Status::kBadPatchStage, kDepthwiseOp, op_record::kFlags);
  // A patched tensor read after the split.
  expect_op_error([](Bytes& b) { put_u16(b, op_field(b, kPoolOp, op_record::kInput0), kStem); },
                  Status::kBadPatchStage, kPoolOp, op_record::kInput0);
  // The split op writing a patched tensor, an inner op writing a whole one.
  expect_op_error(
      [](Bytes& b) {
        b[tensor_field(residual_tensor(), tensor_record::kStorage)] =
            static_cast<uint8_t>(Storage::kPatched);
        put_u32(b, tensor_field(residual_tensor(), tensor_record::kPatchRegionBytes), 8);
      },
      Status::kBadPatchStage, kAddOp, op_record::kOutput);
  expect_op_error(
      [](Bytes& b) {
        b[tensor_field(kProject, tensor_record::kStorage)] = static_cast<uint8_t>(Storage::kArena);
        put_u32(b, tensor_field(kProject, tensor_record::kPatchRegionBytes), 0);
      },
      Status::kBadPatchStage, 3, op_record::kOutput);
  // The stage stretched over the average pool: op 4's whole output sits inside the stage.
  expect_op_error([](Bytes& b) { put_u16(b, header::kPatchSplit, 6); }, Status::kBadPatchStage,
                  kAddOp, op_record::kOutput);
  // A regions' arena bytes overlapping the model input, which every patch reads.
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, tensor_field(kDepthwise, tensor_record::kOffset),
                load_u32(b.data() + tensor_field(0, tensor_record::kOffset)));
      },
      Status::kArenaOverlap, kDepthwiseOp, op_record::kOutput);
}

}  // namespace
}  // namespace tinynas::runtime
