// The scratch buffer inside the arena (kModelFlagScratchInArena, arena scratch offset and bytes
// in the header): such a model validates, needs no caller scratch and runs bit-exact with the
// plain one; a scratch region that is malformed or shares bytes with a tensor live while an op
// uses it is rejected before anything runs.
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

// make_test_graph() fused: op 1 (expand) runs the group and uses the ring.
constexpr uint16_t kExpandOp = 1;
constexpr uint16_t kStem = 1;

Bytes model_bytes(compiler::Schedule schedule, bool scratch_in_arena) {
  const compiler::Graph graph = compiler::testing::make_test_graph();
  compiler::PlannerOptions planner;
  planner.schedule = schedule;
  planner.scratch_in_arena = scratch_in_arena;
  return compiler::write_model(graph, compiler::plan_memory(graph, planner));
}

uint32_t tensor_field(uint16_t tensor, uint32_t field) {
  return kHeaderSize + uint32_t{tensor} * kTensorRecordSize + field;
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
  Bytes b = model_bytes(compiler::Schedule::kFused, true);
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
  EXPECT_EQ(
      interpreter.init(view, arena.data(), static_cast<uint32_t>(arena.size()),
                       view.scratch_size() > 0 ? scratch.data() : nullptr, view.scratch_size()),
      Status::kOk);
  std::memcpy(interpreter.input(), input.data(), input.size());
  EXPECT_EQ(interpreter.invoke(), Status::kOk);
  return {interpreter.output(), interpreter.output() + interpreter.output_info().size_bytes};
}

TEST(ArenaScratchTest, ModelWithScratchInTheArenaNeedsNoCallerScratchAndMatchesPlain) {
  const Bytes plain = model_bytes(compiler::Schedule::kPlain, false);
  const Bytes shared = model_bytes(compiler::Schedule::kFused, true);
  ModelView view;
  ASSERT_EQ(validate_model(shared.data(), static_cast<uint32_t>(shared.size()), &view, nullptr),
            Status::kOk);
  EXPECT_NE(view.flags() & kModelFlagScratchInArena, 0u);
  EXPECT_EQ(view.scratch_size(), 0u);
  EXPECT_GT(view.arena_scratch_bytes(), 0u);
  EXPECT_EQ(view.arena_scratch_offset() % 4, 0u);
  EXPECT_LE(view.arena_scratch_offset() + view.arena_scratch_bytes(), view.arena_size());
  EXPECT_EQ(view.arena_scratch_bytes(), view.op(kExpandOp).scratch_bytes);
  const std::vector<int8_t> input =
      compiler::testing::random_input(view.tensor(view.input_tensor()).size_bytes, 11);
  EXPECT_EQ(run(shared, input), run(plain, input));
}

TEST(ArenaScratchTest, ModelsWithoutTheFlagKeepTheFieldsZero) {
  const Bytes apart = model_bytes(compiler::Schedule::kFused, false);
  ModelView view;
  ASSERT_EQ(validate_model(apart.data(), static_cast<uint32_t>(apart.size()), &view, nullptr),
            Status::kOk);
  EXPECT_EQ(view.flags() & kModelFlagScratchInArena, 0u);
  EXPECT_EQ(view.arena_scratch_bytes(), 0u);
  EXPECT_GT(view.scratch_size(), 0u);
}

TEST(ArenaScratchTest, RejectsMalformedScratchRegions) {
  auto header_error = [](const std::function<void(Bytes&)>& mutate, Status status, uint32_t field) {
    expect_rejected(mutate, status, ModelSection::kHeader, 0, field);
  };
  // The fields without the flag (reported at their first non-zero byte).
  header_error(
      [](Bytes& b) {
        put_u32(b, header::kFlags, load_u32(b.data() + header::kFlags) & ~kModelFlagScratchInArena);
        put_u32(b, header::kArenaScratchOffset, 0x100);
      },
      Status::kBadHeader, header::kArenaScratchOffset + 1);
  // A caller scratch as well.
  header_error([](Bytes& b) { put_u32(b, header::kScratchSize, 16); }, Status::kBadHeader,
               header::kScratchSize);
  header_error([](Bytes& b) { put_u32(b, header::kArenaScratchOffset, 2); }, Status::kMisaligned,
               header::kArenaScratchOffset);
  header_error([](Bytes& b) { put_u32(b, header::kArenaScratchBytes, 0); }, Status::kBadHeader,
               header::kArenaScratchBytes);
  header_error(
      [](Bytes& b) {
        put_u32(b, header::kArenaScratchOffset, load_u32(b.data() + header::kArenaSize) - 4);
      },
      Status::kBadHeader, header::kArenaScratchBytes);
  header_error([](Bytes& b) { put_u32(b, header::kArenaScratchBytes, 0xFFFFFFFCu); },
               Status::kBadHeader, header::kArenaScratchBytes);
  // An op needing more than the region.
  expect_rejected(
      [](Bytes& b) {
        put_u32(b, header::kArenaScratchBytes, load_u32(b.data() + header::kArenaScratchBytes) - 1);
      },
      Status::kBadOpParameter, ModelSection::kOpTable, kExpandOp, op_record::kScratchBytes);
}

TEST(ArenaScratchTest, RejectsScratchOverATensorLiveWhileTheOpRuns) {
  // The group's input (the stem output) is read by the ring-using expand op.
  expect_rejected(
      [](Bytes& b) {
        put_u32(b, header::kArenaScratchOffset,
                load_u32(b.data() + tensor_field(kStem, tensor_record::kOffset)));
      },
      Status::kArenaOverlap, ModelSection::kOpTable, kExpandOp, op_record::kScratchBytes);
}

}  // namespace
}  // namespace tinynas::runtime
