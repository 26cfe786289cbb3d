#include "profiler/board_client.h"

#include <gtest/gtest.h>

#include <atomic>

#include "engine/runtime/crc32.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/status.h"
#include "tests/profiler/fake_board.h"

namespace tinynas::profiler {
namespace {

using testing::empty_ok_reply;
using testing::error_reply;
using testing::FakeBoard;
using testing::FakeRequest;
using testing::ok_reply;
using testing::text_of;

constexpr uint8_t kHello = static_cast<uint8_t>(protocol::Command::kHello);
constexpr uint8_t kReset = static_cast<uint8_t>(protocol::Command::kReset);

// Short timeouts keep the failure paths fast; the fake board answers immediately otherwise.
BoardClientOptions fast_options() {
  BoardClientOptions options;
  options.request_timeout = std::chrono::milliseconds(300);
  options.run_timeout = std::chrono::milliseconds(300);
  options.resync_quiet = std::chrono::milliseconds(20);
  options.resync_limit = std::chrono::milliseconds(200);
  return options;
}

std::vector<uint8_t> hello_reply(const FakeRequest& request) {
  protocol::HelloReply hello;
  hello.protocol_version = protocol::kProtocolVersion;
  hello.format_version = runtime::kFormatVersion;
  hello.firmware_version = text_of("tinynas-runner 0.1.0 (test)");
  hello.board = text_of("fake-board");
  hello.core = text_of("cortex-m4");
  hello.clock_hz = 25000000;
  hello.max_chunk = 64;
  return ok_reply(request, hello);
}

TEST(BoardClient, HelloReportsTheBoardAndNamesItInMessages) {
  FakeBoard board([](const FakeRequest& request) { return hello_reply(request); });
  BoardClient client(board.host_transport(), "unnamed", fast_options());
  const BoardInfo info = client.hello();
  EXPECT_EQ(info.board, "fake-board");
  EXPECT_EQ(info.firmware_version, "tinynas-runner 0.1.0 (test)");
  EXPECT_EQ(info.core, "cortex-m4");
  EXPECT_EQ(info.clock_hz, 25000000u);
  EXPECT_EQ(client.name(), "fake-board");
}

TEST(BoardClient, ValidationErrorReplyBecomesAClearException) {
  FakeBoard board([](const FakeRequest& request) -> std::vector<uint8_t> {
    if (request.command == kHello) return hello_reply(request);
    protocol::ErrorReply error;
    error.runtime_status = static_cast<uint8_t>(runtime::Status::kBadOpParameter);
    error.detail = static_cast<uint8_t>(runtime::ModelSection::kOpTable);
    error.index = 3;
    error.field = 12;
    return error_reply(request.command, request.sequence, protocol::ReplyStatus::kInvalidModel,
                       error);
  });
  BoardClient client(board.host_transport(), "unnamed", fast_options());
  client.hello();
  try {
    client.load_end(0x1234u);
    FAIL() << "LOAD_END should have been rejected";
  } catch (const BoardRejectedError& e) {
    EXPECT_STREQ(e.what(),
                 "board fake-board: LOAD_END rejected: model validation failed: op 3 (field 12): "
                 "invalid op parameter");
    EXPECT_EQ(e.status(), protocol::ReplyStatus::kInvalidModel);
    EXPECT_EQ(e.detail().index, 3);
  }
}

TEST(BoardClient, DescribesEveryErrorStatusWithItsNumbers) {
  protocol::ErrorReply error;
  error.expected = 100;
  error.found = 40;
  EXPECT_EQ(describe_error_reply(protocol::ReplyStatus::kIncompleteModel, error),
            "upload incomplete: expected 100 bytes, received 40");
  EXPECT_EQ(describe_error_reply(protocol::ReplyStatus::kChunkOutOfOrder, error),
            "chunk out of order: expected offset 100, found 40");
  error.detail = static_cast<uint8_t>(protocol::FrameError::kCrcMismatch);
  EXPECT_NE(describe_error_reply(protocol::ReplyStatus::kBadFrame, error).find("frame rejected"),
            std::string::npos);
  error.runtime_status = static_cast<uint8_t>(runtime::Status::kChecksumMismatch);
  error.detail = static_cast<uint8_t>(runtime::ModelSection::kHeader);
  error.field = runtime::header::kCrc32;
  EXPECT_EQ(describe_error_reply(protocol::ReplyStatus::kInvalidModel, error),
            "model validation failed: header (field 12): CRC-32 checksum mismatch");
  error.runtime_status = static_cast<uint8_t>(runtime::Status::kArenaTooSmall);
  error.index = 7;
  EXPECT_EQ(describe_error_reply(protocol::ReplyStatus::kRunFailed, error),
            "run failed at op 7: arena smaller than the model's plan");
}

TEST(BoardClient, SilentBoardTimesOutAndTheNextRequestWorks) {
  std::atomic<int> hellos{0};
  FakeBoard board([&](const FakeRequest& request) -> std::vector<uint8_t> {
    if (request.command == kHello && hellos++ == 0) return {};  // first HELLO: no answer
    return hello_reply(request);
  });
  BoardClient client(board.host_transport(), "silent", fast_options());
  try {
    client.hello();
    FAIL() << "expected a timeout";
  } catch (const BoardTimeoutError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("board silent: no reply to HELLO"), std::string::npos) << message;
    EXPECT_NE(message.find("fake:board"), std::string::npos) << message;
  }
  EXPECT_EQ(client.hello().board, "fake-board");
}

TEST(BoardClient, GarbageReplyIsReportedAndTheClientResyncs) {
  std::atomic<int> hellos{0};
  FakeBoard board([&](const FakeRequest& request) -> std::vector<uint8_t> {
    if (hellos++ == 0) {
      // Line noise: bytes with a broken CRC, then a delimiter, then half a frame.
      std::vector<uint8_t> garbage = {0x05, 0x13, 0x37, 0xAB, 0xCD, 0x00, 0x07, 0x42, 0x42};
      return garbage;
    }
    return hello_reply(request);
  });
  BoardClient client(board.host_transport(), "noisy", fast_options());
  try {
    client.hello();
    FAIL() << "expected a timeout";
  } catch (const BoardTimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupted frames received"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(client.hello().board, "fake-board");
  EXPECT_EQ(client.hello().board, "fake-board");
}

TEST(BoardClient, StaleRepliesWithAnOldSequenceAreSkipped) {
  FakeBoard board([&](const FakeRequest& request) -> std::vector<uint8_t> {
    FakeRequest stale = request;
    stale.sequence = static_cast<uint8_t>(request.sequence + 100);
    std::vector<uint8_t> bytes = hello_reply(stale);
    const std::vector<uint8_t> fresh = hello_reply(request);
    bytes.insert(bytes.end(), fresh.begin(), fresh.end());
    return bytes;
  });
  BoardClient client(board.host_transport(), "b", fast_options());
  EXPECT_EQ(client.hello().board, "fake-board");
}

TEST(BoardClient, MismatchedReplyCommandIsAProtocolErrorAndRecoverable) {
  std::atomic<int> calls{0};
  FakeBoard board([&](const FakeRequest& request) -> std::vector<uint8_t> {
    if (calls++ == 0) {
      FakeRequest wrong = request;
      wrong.command = kReset;
      return empty_ok_reply(wrong);
    }
    return hello_reply(request);
  });
  BoardClient client(board.host_transport(), "b", fast_options());
  EXPECT_THROW(client.hello(), BoardProtocolError);
  EXPECT_EQ(client.hello().board, "fake-board");
}

TEST(BoardClient, UntrustedBadFrameReplyRejectsTheRequest) {
  std::atomic<int> calls{0};
  FakeBoard board([&](const FakeRequest& request) -> std::vector<uint8_t> {
    if (calls++ == 0) {
      protocol::ErrorReply error;
      error.detail = static_cast<uint8_t>(protocol::FrameError::kCrcMismatch);
      return error_reply(protocol::kUnknownCommandByte, protocol::kUntrustedSequence,
                         protocol::ReplyStatus::kBadFrame, error);
    }
    return hello_reply(request);
  });
  BoardClient client(board.host_transport(), "b", fast_options());
  try {
    client.hello();
    FAIL() << "expected a rejection";
  } catch (const BoardRejectedError& e) {
    EXPECT_EQ(e.status(), protocol::ReplyStatus::kBadFrame);
    EXPECT_NE(std::string(e.what()).find("HELLO rejected: frame rejected"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(client.hello().board, "fake-board");
}

TEST(BoardClient, BoardHangingUpIsALinkErrorNamingThePort) {
  FakeBoard board([](const FakeRequest&) { return std::vector<uint8_t>{}; });
  BoardClient client(board.host_transport(), "gone", fast_options());
  board.hang_up();
  try {
    client.hello();
    FAIL() << "expected a link error";
  } catch (const BoardLinkError& e) {
    EXPECT_NE(std::string(e.what()).find("board gone: fake:board"), std::string::npos) << e.what();
  }
}

// A fake runner that accepts an upload the way the protocol prescribes and checks the CRC.
TEST(BoardClient, UploadsInChunksOfTheBoardsSizeWithTheFinalCrc) {
  std::vector<uint8_t> received;
  uint32_t claimed_crc = 0;
  FakeBoard board([&](const FakeRequest& request) -> std::vector<uint8_t> {
    protocol::ByteReader in(request.body.data(), request.body.size());
    switch (static_cast<protocol::Command>(request.command)) {
      case protocol::Command::kHello:
        return hello_reply(request);
      case protocol::Command::kLoadBegin: {
        protocol::LoadBeginRequest begin;
        EXPECT_TRUE(protocol::decode(in, begin));
        received.clear();
        return ok_reply(request, protocol::LoadBeginReply{4096});
      }
      case protocol::Command::kLoadChunk: {
        protocol::LoadChunkRequest chunk;
        EXPECT_TRUE(protocol::decode(in, chunk));
        EXPECT_EQ(chunk.offset, received.size());
        EXPECT_LE(chunk.size, 64u);
        received.insert(received.end(), chunk.data, chunk.data + chunk.size);
        return ok_reply(request, protocol::LoadChunkReply{static_cast<uint32_t>(received.size())});
      }
      case protocol::Command::kLoadEnd: {
        protocol::LoadEndRequest end;
        EXPECT_TRUE(protocol::decode(in, end));
        claimed_crc = end.crc32;
        protocol::LoadEndReply reply;
        reply.arena_bytes = 1234;
        reply.op_count = 2;
        return ok_reply(request, reply);
      }
      default:
        return empty_ok_reply(request);
    }
  });
  BoardClient client(board.host_transport(), "b", fast_options());
  client.hello();
  std::vector<uint8_t> model(1000);
  for (std::size_t i = 0; i < model.size(); ++i) model[i] = static_cast<uint8_t>(i * 7);
  const auto loaded = client.load_model(model);
  EXPECT_EQ(loaded.arena_bytes, 1234u);
  EXPECT_EQ(received, model);
  EXPECT_EQ(claimed_crc, runtime::crc32(model.data(), model.size()));
}

TEST(BoardClient, FailedUploadResetsTheBoardAndKeepsTheOriginalError) {
  std::vector<uint8_t> commands;
  FakeBoard board([&](const FakeRequest& request) -> std::vector<uint8_t> {
    commands.push_back(request.command);
    if (request.command == static_cast<uint8_t>(protocol::Command::kLoadBegin)) {
      protocol::ErrorReply error;
      error.expected = 100;
      error.found = 1000;
      return error_reply(request.command, request.sequence, protocol::ReplyStatus::kModelTooLarge,
                         error);
    }
    return empty_ok_reply(request);
  });
  BoardClient client(board.host_transport(), "small", fast_options());
  try {
    client.load_model(std::vector<uint8_t>(1000, 1));
    FAIL() << "expected a rejection";
  } catch (const BoardRejectedError& e) {
    EXPECT_EQ(e.status(), protocol::ReplyStatus::kModelTooLarge);
    EXPECT_NE(std::string(e.what()).find("LOAD_BEGIN rejected: model too large"), std::string::npos)
        << e.what();
  }
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands.back(), kReset);
}

TEST(BoardClient, PerOpAndOutputAreFetchedInChunks) {
  constexpr uint16_t kOps = 300;  // more than one PER_OP reply holds
  constexpr uint32_t kOutputBytes = 2500;
  FakeBoard board([&](const FakeRequest& request) -> std::vector<uint8_t> {
    protocol::ByteReader in(request.body.data(), request.body.size());
    if (request.command == static_cast<uint8_t>(protocol::Command::kPerOp)) {
      protocol::PerOpRequest per_op;
      EXPECT_TRUE(protocol::decode(in, per_op));
      std::vector<uint32_t> cycles(per_op.count);
      for (uint16_t i = 0; i < per_op.count; ++i) cycles[i] = 1000u + per_op.first_op + i;
      protocol::PerOpReply reply;
      reply.first_op = per_op.first_op;
      reply.count = per_op.count;
      reply.cycles = cycles.data();
      return ok_reply(request, reply);
    }
    protocol::OutputRequest chunk;
    EXPECT_TRUE(protocol::decode(in, chunk));
    std::vector<uint8_t> data(chunk.length);
    for (uint16_t i = 0; i < chunk.length; ++i) data[i] = static_cast<uint8_t>(chunk.offset + i);
    protocol::OutputReply reply;
    reply.offset = chunk.offset;
    reply.data = data.data();
    reply.size = data.size();
    return ok_reply(request, reply);
  });
  BoardClient client(board.host_transport(), "b", fast_options());
  const auto cycles = client.per_op_cycles(kOps);
  ASSERT_EQ(cycles.size(), kOps);
  for (uint16_t i = 0; i < kOps; ++i) EXPECT_EQ(cycles[i], 1000u + i);
  const auto output = client.output(kOutputBytes);
  ASSERT_EQ(output.size(), kOutputBytes);
  for (uint32_t i = 0; i < kOutputBytes; ++i) ASSERT_EQ(output[i], static_cast<uint8_t>(i));
}

}  // namespace
}  // namespace tinynas::profiler
