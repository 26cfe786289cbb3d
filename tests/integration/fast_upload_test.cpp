// The fast model upload on emulated boards: models written into the runner's model region
// through QEMU's gdbstub (GDB remote protocol) and announced with LOAD_PLACED give the same
// outputs, cycles and arena as models uploaded over the UART; the runner still checks what it
// was given; SET_BAUD is accepted (QEMU ignores the divider) and the line keeps working.
#include <gtest/gtest.h>

#include "engine/runtime/crc32.h"
#include "profiler/board_spec.h"
#include "profiler/gdb_model_upload.h"
#include "profiler/gdb_remote.h"
#include "profiler/profile.h"
#include "profiler/qemu_board.h"
#include "tests/integration/test_models.h"

namespace tinynas::profiler {
namespace {

QemuBoardOptions with_gdb_server() {
  QemuBoardOptions options;
  options.gdb_server = true;
  return options;
}

class FastUpload : public ::testing::TestWithParam<std::string> {};

TEST_P(FastUpload, GdbUploadGivesBitExactOutputsAndThePlannedArena) {
  QemuBoard board(find_board_spec(GetParam()), with_gdb_server());
  ASSERT_NE(board.info().model_region_address, 0u);
  for (const testing::TestModel& model :
       {testing::tiny_mobilenet(), testing::tiny_mobilenet_fused()}) {
    SCOPED_TRACE(model.name + " on " + GetParam());
    ProfileOptions over_uart;
    over_uart.seed = 3;
    ProfileOptions over_gdb = over_uart;
    over_gdb.gdb_server = board.gdb_address();
    const ProfileResult fast = profile_model(board.client(), board.info(), model.bytes, over_gdb);
    const ProfileResult slow = profile_model(board.client(), board.info(), model.bytes, over_uart);
    EXPECT_EQ(fast.upload, "gdb");
    EXPECT_TRUE(fast.output_matches_host) << "first mismatch at byte " << fast.first_mismatch;
    EXPECT_EQ(fast.output_crc32, slow.output_crc32);
    EXPECT_EQ(fast.cycles, slow.cycles);
    EXPECT_EQ(fast.per_op_cycles, slow.per_op_cycles);
    EXPECT_EQ(fast.planned_arena_bytes, model.planned_arena);
    EXPECT_EQ(fast.arena_bytes, fast.planned_arena_bytes);
  }
}

INSTANTIATE_TEST_SUITE_P(EmulatedBoards, FastUpload,
                         ::testing::Values("qemu-mps2-an386", "qemu-netduinoplus2",
                                           "qemu-riscv32-virt"),  // RISC-V gdbstub
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(FastUploadChecks, TheRunnerRejectsPlacedBytesThatDoNotMatchTheirCrc) {
  QemuBoard board(find_board_spec("qemu-mps2-an386"), with_gdb_server());
  const auto model = testing::tiny_mobilenet().bytes;
  {
    GdbRemote gdb(board.gdb_address());
    gdb.write_memory(board.info().model_region_address, model.data(), model.size());
    EXPECT_EQ(gdb.read_memory(board.info().model_region_address, 64),
              std::vector<uint8_t>(model.begin(), model.begin() + 64));
    gdb.detach();
  }
  const uint32_t crc = runtime::crc32(model.data(), model.size());
  try {
    board.client().load_placed(static_cast<uint32_t>(model.size()), crc ^ 1u);
    FAIL() << "expected the runner to reject a wrong CRC";
  } catch (const BoardRejectedError& e) {
    EXPECT_EQ(e.status(), protocol::ReplyStatus::kModelCrcMismatch);
    EXPECT_EQ(e.detail().expected, crc);
  }
  EXPECT_THROW(board.client().run(1, protocol::InputMode::kZeros), BoardRejectedError);
  const auto loaded = board.client().load_placed(static_cast<uint32_t>(model.size()), crc);
  EXPECT_GT(loaded.op_count, 0u);
  EXPECT_EQ(board.client().run(1, protocol::InputMode::kZeros).op_count, loaded.op_count);
}

TEST(FastUploadChecks, SetBaudIsAcceptedAndTheLineKeepsWorking) {
  QemuBoard board(find_board_spec("qemu-mps2-an386"));
  board.client().set_baud(921600);  // HELLO at the new rate inside
  const ProfileResult result =
      profile_model(board.client(), board.info(), testing::tiny_mobilenet().bytes);
  EXPECT_TRUE(result.output_matches_host);
  try {
    board.client().set_baud(100000000);  // a divider below the UART's minimum
    FAIL() << "expected the runner to refuse an impossible rate";
  } catch (const BoardRejectedError& e) {
    EXPECT_EQ(e.status(), protocol::ReplyStatus::kBadArgument);
  }
  EXPECT_EQ(board.client().hello().board, "qemu-mps2-an386");
}

TEST(FastUploadChecks, AGdbServerThatIsNotThereIsAClearError) {
  EXPECT_THROW(GdbRemote("unix:/nonexistent/gdb.sock", std::chrono::milliseconds(200)),
               std::runtime_error);
  EXPECT_THROW(GdbRemote("localhost:3333"), GdbRemoteError);
}

}  // namespace
}  // namespace tinynas::profiler
