// Several models on every emulated board: the board's output equals the host engine's bit for
// bit, cycle counts repeat exactly across runs (QEMU -icount), and the arena the board
// measures by painting equals the arena the memory planner laid out.
#include <gtest/gtest.h>

#include <iostream>

#include "profiler/board_spec.h"
#include "profiler/profile.h"
#include "profiler/qemu_board.h"
#include "tests/integration/test_models.h"

namespace tinynas::profiler {
namespace {

class BoardModels : public ::testing::TestWithParam<std::string> {};

TEST_P(BoardModels, OutputsBitExactCyclesDeterministicArenaAsPlanned) {
  QemuBoard board(find_board_spec(GetParam()));
  const BoardInfo& info = board.info();
  EXPECT_EQ(info.board, GetParam());
  EXPECT_FALSE(info.firmware_version.empty());
  for (const testing::TestModel& model : testing::integration_models()) {
    SCOPED_TRACE(model.name + " on " + GetParam());
    ProfileOptions options;
    options.runs = 2;
    options.seed = 7;
    const ProfileResult first = profile_model(board.client(), info, model.bytes, options);
    // A second measurement of the loaded model (uploads through the emulated UART are the slow
    // part, so the model is not uploaded again).
    const auto again = board.client().run(options.runs, options.input_mode, options.seed);
    const auto again_per_op = board.client().per_op_cycles(again.op_count);

    EXPECT_TRUE(first.output_matches_host) << "first mismatch at byte " << first.first_mismatch;
    EXPECT_EQ(again.output_crc32, first.output_crc32);

    EXPECT_GT(first.cycles, 0u);
    EXPECT_EQ(first.cycles, again.last_cycles);
    EXPECT_EQ(first.min_cycles, first.max_cycles) << "iterations of one RUN differ";
    EXPECT_EQ(first.per_op_cycles, again_per_op);
    ASSERT_EQ(first.per_op_cycles.size(), first.op_count);
    uint64_t op_sum = 0;
    for (const uint32_t cycles : first.per_op_cycles) op_sum += cycles;
    EXPECT_LE(op_sum, first.cycles) << "per-op cycles add up to more than the whole inference";

    EXPECT_EQ(first.planned_arena_bytes, model.planned_arena);
    EXPECT_EQ(first.arena_bytes, first.planned_arena_bytes);
    EXPECT_EQ(again.arena_bytes_used, first.arena_bytes);
    EXPECT_GT(first.stack_bytes, 0u);

    // The figures of the report (ctest -V shows them).
    std::cout << "[figures] board=" << info.board << " firmware=\"" << info.firmware_version
              << "\" model=" << model.name << " macs=" << model.macs << " cycles=" << first.cycles
              << " macs_per_cycle="
              << static_cast<double>(model.macs) / static_cast<double>(first.cycles)
              << " arena=" << first.arena_bytes << " planned_arena=" << first.planned_arena_bytes
              << " stack=" << first.stack_bytes << " bytes=" << model.bytes.size() << "\n";
  }
}

// Zeros input exercises a different data path through every kernel (zero points only).
TEST_P(BoardModels, ZeroInputMatchesHost) {
  QemuBoard board(find_board_spec(GetParam()));
  ProfileOptions options;
  options.input_mode = protocol::InputMode::kZeros;
  const ProfileResult result =
      profile_model(board.client(), board.info(), testing::tiny_mobilenet().bytes, options);
  EXPECT_TRUE(result.output_matches_host);
  EXPECT_EQ(result.arena_bytes, result.planned_arena_bytes);
}

INSTANTIATE_TEST_SUITE_P(EmulatedBoards, BoardModels,
                         ::testing::Values("qemu-mps2-an386", "qemu-mps2-an386-plain",
                                           "qemu-mps2-an500", "qemu-netduinoplus2",
                                           "qemu-mps2-an385",    // Cortex-M3
                                           "qemu-mps2-an505",    // Cortex-M33
                                           "qemu-riscv32-virt",  // RV32IMAC
                                           "qemu-mps3-an547"),   // Cortex-M55
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace tinynas::profiler
