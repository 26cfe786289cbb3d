// Faults on an emulated board: every one ends in a clear error within its timeout, and the
// board serves the next request (after a restart where the board itself is gone).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <functional>
#include <thread>

#include "engine/runtime/crc32.h"
#include "engine/runtime/model_format.h"
#include "firmware/protocol/frame_encoder.h"
#include "profiler/board_spec.h"
#include "profiler/profile.h"
#include "profiler/qemu_board.h"
#include "tests/integration/test_models.h"

namespace tinynas::profiler {
namespace {

constexpr char kBoard[] = "qemu-mps2-an386";

QemuBoardOptions fault_options() {
  QemuBoardOptions options;
  options.client.request_timeout = std::chrono::milliseconds(1500);
  options.client.run_timeout = std::chrono::milliseconds(20000);
  return options;
}

// The next request works: a whole profile with a bit-exact output.
void expect_board_serves(QemuBoard& board) {
  const ProfileResult result =
      profile_model(board.client(), board.client().hello(), testing::tiny_mobilenet().bytes);
  EXPECT_TRUE(result.output_matches_host);
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(BoardFaults, TruncatedUploadIsRejectedAndTheNextUploadWorks) {
  QemuBoard board(find_board_spec(kBoard), fault_options());
  const std::vector<uint8_t> model = testing::tiny_mobilenet().bytes;
  board.client().load_begin(static_cast<uint32_t>(model.size()));
  const std::size_t half = std::min<std::size_t>(protocol::kMaxChunk, model.size() / 2);
  board.client().load_chunk(0, model.data(), half);
  try {
    board.client().load_end(runtime::crc32(model.data(), model.size()));
    FAIL() << "LOAD_END of a truncated upload was accepted";
  } catch (const BoardRejectedError& e) {
    EXPECT_EQ(e.status(), protocol::ReplyStatus::kIncompleteModel);
    EXPECT_EQ(std::string(e.what()),
              "board " + std::string(kBoard) + ": LOAD_END rejected: upload incomplete: expected " +
                  std::to_string(model.size()) + " bytes, received " + std::to_string(half));
  }
  expect_board_serves(board);
}

TEST(BoardFaults, OutOfOrderChunkIsRejected) {
  QemuBoard board(find_board_spec(kBoard), fault_options());
  const std::vector<uint8_t> model = testing::tiny_mobilenet().bytes;
  board.client().load_begin(static_cast<uint32_t>(model.size()));
  const std::string message =
      message_of([&] { board.client().load_chunk(64, model.data() + 64, 64); });
  EXPECT_NE(message.find("LOAD_CHUNK rejected: chunk out of order: expected offset 0, found 64"),
            std::string::npos)
      << message;
  expect_board_serves(board);
}

TEST(BoardFaults, CorruptedFrameGetsABadFrameReplyAndTheLinkRecovers) {
  QemuBoard board(find_board_spec(kBoard), fault_options());
  // A HELLO request frame with one payload byte flipped: the CRC no longer matches.
  const uint8_t payload[] = {static_cast<uint8_t>(protocol::Command::kHello), 0x21};
  std::vector<uint8_t> frame(protocol::kMaxEncodedFrame);
  frame.resize(protocol::encode_frame(payload, sizeof(payload), frame.data(), frame.size()));
  ASSERT_GT(frame.size(), 3u);
  frame[1] ^= 0x40;
  const RawReply reply = board.client().exchange_raw(frame, std::chrono::milliseconds(2000));
  EXPECT_EQ(reply.header.status, protocol::ReplyStatus::kBadFrame);
  EXPECT_EQ(reply.header.sequence, protocol::kUntrustedSequence);
  EXPECT_EQ(board.client().hello().board, kBoard);
  expect_board_serves(board);
}

TEST(BoardFaults, LineNoiseBeforeARequestDoesNotBreakIt) {
  QemuBoard board(find_board_spec(kBoard), fault_options());
  const std::vector<uint8_t> noise = {0x13, 0x37, 0xFF, 0x42, 0x00, 0x99, 0x98};
  board.client().transport().write(noise.data(), noise.size(), std::chrono::milliseconds(1000));
  // The board answers the noise with bad-frame replies; the client skips them (their sequence
  // is not the request's) or reports them; either way the request after that works.
  try {
    board.client().hello();
  } catch (const BoardError&) {
  }
  EXPECT_EQ(board.client().hello().board, kBoard);
}

// Flip an op parameter and fix the file CRC, so only the deep validator can catch it.
std::vector<uint8_t> model_with_bad_kernel_size(std::vector<uint8_t> model, uint16_t op) {
  const uint32_t op_table = runtime::load_u32(model.data() + runtime::header::kOpTableOffset);
  model[op_table + op * runtime::kOpRecordSize + runtime::op_record::kKernelH] = 0;
  const uint32_t crc =
      runtime::crc32(model.data() + runtime::kHeaderSize, model.size() - runtime::kHeaderSize);
  for (int i = 0; i < 4; ++i) {
    model[runtime::header::kCrc32 + i] = static_cast<uint8_t>(crc >> (8 * i));
  }
  return model;
}

TEST(BoardFaults, ModelFailingValidationIsRejectedWithItsLocation) {
  QemuBoard board(find_board_spec(kBoard), fault_options());
  const auto bad = model_with_bad_kernel_size(testing::tiny_mobilenet().bytes, 0);
  try {
    board.client().load_model(bad);
    FAIL() << "the board accepted an invalid model";
  } catch (const BoardRejectedError& e) {
    EXPECT_EQ(e.status(), protocol::ReplyStatus::kInvalidModel);
    EXPECT_EQ(std::string(e.what()),
              "board " + std::string(kBoard) +
                  ": LOAD_END rejected: model validation failed: op 0 (field " +
                  std::to_string(runtime::op_record::kKernelH) + "): invalid op parameter");
  }
  // Nothing is loaded now: RUN says so instead of running the rejected model.
  const std::string message =
      message_of([&] { board.client().run(1, protocol::InputMode::kZeros); });
  EXPECT_NE(message.find("RUN rejected: no model loaded"), std::string::npos) << message;
  expect_board_serves(board);
}

TEST(BoardFaults, CorruptedModelBytesFailTheChecksum) {
  QemuBoard board(find_board_spec(kBoard), fault_options());
  std::vector<uint8_t> model = testing::tiny_mobilenet().bytes;
  model[model.size() - 1] ^= 0x01;  // a weight byte; the header CRC no longer matches
  const std::string message = message_of([&] { board.client().load_model(model); });
  EXPECT_NE(message.find("model validation failed: header"), std::string::npos) << message;
  EXPECT_NE(message.find("CRC-32 checksum mismatch"), std::string::npos) << message;
  expect_board_serves(board);
}

TEST(BoardFaults, ModelLargerThanTheRegionIsRejectedUpFront) {
  QemuBoard board(find_board_spec("qemu-netduinoplus2"), fault_options());
  const uint32_t too_large = board.info().model_region_bytes + 1;
  const std::string message = message_of([&] { board.client().load_begin(too_large); });
  EXPECT_NE(message.find("LOAD_BEGIN rejected: model too large"), std::string::npos) << message;
  expect_board_serves(board);
}

TEST(BoardFaults, BoardThatStopsAnsweringTimesOutAndRecoversAfterRestart) {
  QemuBoard board(find_board_spec(kBoard), fault_options());
  board.suspend();  // QEMU frozen: the socket stays open, nothing answers
  const std::string message = message_of([&] { board.client().hello(); });
  EXPECT_NE(message.find("board " + std::string(kBoard) + ": no reply to HELLO"), std::string::npos)
      << message;
  board.restart();
  expect_board_serves(board);
}

TEST(BoardFaults, KilledEmulatorIsALinkErrorAndRestartRecovers) {
  QemuBoard board(find_board_spec(kBoard), fault_options());
  const pid_t old_pid = board.pid();
  ASSERT_EQ(::kill(old_pid, SIGKILL), 0);
  try {
    board.client().hello();
    FAIL() << "a dead board answered";
  } catch (const BoardLinkError& e) {
    EXPECT_NE(std::string(e.what()).find("connection closed"), std::string::npos) << e.what();
  }
  // The kernel reaps QEMU a moment after its socket closes.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (board.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(board.running());
  board.restart();
  EXPECT_NE(board.pid(), old_pid);
  expect_board_serves(board);
}

TEST(BoardFaults, NoLeftoverProcessOrTempDir) {
  pid_t pid = -1;
  std::string socket;
  {
    QemuBoard board(find_board_spec(kBoard), fault_options());
    pid = board.pid();
    socket = board.socket_path();
    ASSERT_TRUE(std::filesystem::exists(socket));
  }
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(socket).parent_path()));
}

// QEMU refusing to start (here: an unknown machine) is reported with QEMU's own words.
TEST(BoardFaults, EmulatorThatFailsToStartIsReportedWithItsOutput) {
  BoardSpec spec = find_board_spec(kBoard);
  spec.emulator->machine = "tinynas-no-such-machine";
  const std::string message = message_of([&] { QemuBoard board(spec, fault_options()); });
  EXPECT_NE(message.find("board " + std::string(kBoard) + ": QEMU exited with status"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("its output:\nqemu-system-arm: "), std::string::npos) << message;
}

TEST(BoardFaults, MissingFirmwareImageNamesThePath) {
  QemuBoardOptions options = fault_options();
  options.firmware_path = "/nonexistent/tinynas-runner.elf";
  const std::string message =
      message_of([&] { QemuBoard board(find_board_spec(kBoard), options); });
  EXPECT_NE(message.find("firmware image /nonexistent/tinynas-runner.elf not found"),
            std::string::npos)
      << message;
}

TEST(BoardFaults, RealBoardCannotBeLaunched) {
  const std::string message =
      message_of([] { QemuBoard board(find_board_spec("stm32f746g-disco")); });
  EXPECT_NE(message.find("real board"), std::string::npos) << message;
}

}  // namespace
}  // namespace tinynas::profiler
