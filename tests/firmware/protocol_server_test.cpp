// The protocol server on the host, with a fake model: what the runner and the exported
// firmware both answer, and the two ways a build serves uploaded input (staged, in place).
#include "firmware/server/protocol_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "engine/runtime/crc32.h"
#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/frame_encoder.h"

namespace tinynas::firmware {
namespace {

namespace p = protocol;

constexpr uint32_t kInputBytes = 8;
constexpr uint32_t kOutputBytes = 4;
constexpr uint32_t kArenaBytes = 64;
constexpr uint32_t kArenaWritten = 40;  // the fake model writes arena[0, 40)

// Output byte i = sum of the input bytes + i; writes kArenaWritten bytes of its arena.
struct FakeModel {
  std::array<uint8_t, kInputBytes> input{};
  std::array<uint8_t, kInputBytes> staging{};
  std::array<uint8_t, kOutputBytes> output{};
  std::array<uint8_t, kArenaBytes> arena{};
  int invocations = 0;
  int resets = 0;
  int status = 0;  // what invoke returns

  static int invoke(void* self) {
    FakeModel& m = *static_cast<FakeModel*>(self);
    ++m.invocations;
    uint8_t sum = 0;
    for (uint8_t byte : m.input) sum = static_cast<uint8_t>(sum + byte);
    for (uint32_t i = 0; i < kOutputBytes; ++i) m.output[i] = static_cast<uint8_t>(sum + i);
    for (uint32_t i = 0; i < kArenaWritten; ++i) m.arena[i] = static_cast<uint8_t>(i * 7 + 1);
    return m.status;
  }
  static void reset(void* self) { ++static_cast<FakeModel*>(self)->resets; }

  ServedModel served(bool staged, bool painted) {
    ServedModel model{};
    model.input = input.data();
    model.input_bytes = kInputBytes;
    model.input_staging = staged ? staging.data() : nullptr;
    model.output = output.data();
    model.output_bytes = kOutputBytes;
    model.op_count = 3;
    model.arena = painted ? arena.data() : nullptr;
    model.arena_bytes = painted ? kArenaBytes : 0;
    return model;
  }
};

std::vector<uint8_t> g_written;  // what the server wrote to the "serial line"
uint64_t g_cycles = 0;
constexpr uint32_t kFastestBaud = 921600;  // the fake UART's limit
uint32_t g_baud = 115200;
size_t g_written_at_baud_switch = 0;  // bytes written when the fake UART switched

const ServerPlatform kPlatform{
    [](const uint8_t* data, size_t size) { g_written.insert(g_written.end(), data, data + size); },
    [] { g_cycles = 0; },
    [] { return g_cycles += 1000; },
    [] {},
    [] { return 256u; },
    [](uint32_t baud) { return baud <= kFastestBaud; },
    [](uint32_t baud) {
      g_baud = baud;
      g_written_at_baud_switch = g_written.size();
    },
    nullptr,
};

constexpr uint32_t kModelRegionAddress = 0x21000000;
const ServerIdentity kIdentity{BoardFacts{"fake-board", "cortex-m4", 25000000, 4096, 8192,
                                          p::TimerKind::kSysTick, p::KernelPath::kDsp},
                               "test-firmware 1.0",
                               0,
                               2048,
                               512,
                               kModelRegionAddress};

struct Reply {
  p::ReplyHeader header;
  std::vector<uint8_t> body;
};

class ProtocolServerTest : public ::testing::Test {
 protected:
  ProtocolServerTest()
      : server_(kIdentity, kPlatform,
                ModelHooks{&model_, &FakeModel::invoke, nullptr, &FakeModel::reset}) {}

  template <typename Body>
  Reply request(p::Command command, const Body& body) {
    uint8_t payload[p::kMaxPayload];
    const size_t size = p::build_request(command, ++sequence_, body, payload, sizeof(payload));
    return answer(payload, size);
  }
  Reply request(p::Command command) {
    uint8_t payload[p::kMaxPayload];
    return answer(payload, p::build_empty_request(command, ++sequence_, payload, sizeof(payload)));
  }
  Reply answer(const uint8_t* payload, size_t size) {
    uint8_t reply[p::kMaxPayload];
    const size_t reply_size = server_.handle_request(payload, size, reply);
    p::ByteReader in(reply, reply_size);
    Reply decoded;
    EXPECT_TRUE(p::decode(in, decoded.header));
    EXPECT_EQ(decoded.header.sequence, sequence_);
    decoded.body.assign(reply + p::kReplyHeaderSize, reply + reply_size);
    return decoded;
  }
  template <typename Body>
  Body decode(const Reply& reply) {
    Body body;
    p::ByteReader in(reply.body.data(), reply.body.size());
    EXPECT_TRUE(p::decode(in, body));
    return body;
  }
  p::RunReply run(uint32_t iterations, p::InputMode mode) {
    p::RunRequest body;
    body.iterations = iterations;
    body.input_mode = mode;
    const Reply reply = request(p::Command::kRun, body);
    EXPECT_EQ(reply.header.status, p::ReplyStatus::kOk);
    return decode<p::RunReply>(reply);
  }
  p::InputRequest input_of(const std::array<uint8_t, kInputBytes>& bytes) {
    p::InputRequest body;
    body.data = bytes.data();
    body.size = bytes.size();
    return body;
  }

  FakeModel model_;
  ProtocolServer server_;
  uint8_t sequence_ = 0;
};

TEST_F(ProtocolServerTest, HelloReportsTheBuildsIdentity) {
  const Reply reply = request(p::Command::kHello);
  ASSERT_EQ(reply.header.status, p::ReplyStatus::kOk);
  EXPECT_EQ(reply.header.command, static_cast<uint8_t>(p::Command::kHello) | p::kReplyFlag);
  const auto hello = decode<p::HelloReply>(reply);
  EXPECT_EQ(hello.protocol_version, p::kProtocolVersion);
  EXPECT_EQ(std::string(hello.board.data, hello.board.size), "fake-board");
  EXPECT_EQ(std::string(hello.firmware_version.data, hello.firmware_version.size),
            "test-firmware 1.0");
  EXPECT_EQ(hello.model_region_bytes, 0u);
  EXPECT_EQ(hello.arena_capacity_bytes, 2048u);
  EXPECT_EQ(hello.scratch_capacity_bytes, 512u);
  EXPECT_EQ(hello.max_chunk, p::kMaxChunk);
  EXPECT_EQ(hello.kernel_path, p::KernelPath::kDsp);
  EXPECT_EQ(hello.model_region_address, kModelRegionAddress);
}

TEST_F(ProtocolServerTest, SetBaudSwitchesTheUartOnlyAfterItsReplyIsWritten) {
  uint8_t payload[p::kMaxPayload];
  uint8_t frame[p::kMaxEncodedFrame];
  const size_t payload_size = p::build_request(p::Command::kSetBaud, 7, p::SetBaudRequest{460800},
                                               payload, sizeof(payload));
  const size_t frame_size = p::encode_frame(payload, payload_size, frame, sizeof(frame));
  g_written.clear();
  g_baud = 115200;
  for (size_t i = 0; i < frame_size; ++i) server_.on_byte(frame[i]);
  EXPECT_EQ(g_baud, 460800u);
  ASSERT_FALSE(g_written.empty());
  EXPECT_EQ(g_written_at_baud_switch, g_written.size());  // the whole reply went out first
  p::FrameDecoder decoder;
  bool replied = false;
  for (uint8_t byte : g_written) {
    if (decoder.push(byte) != p::DecodeEvent::kFrame) continue;
    p::ByteReader in(decoder.payload(), decoder.payload_size());
    p::ReplyHeader header;
    ASSERT_TRUE(p::decode(in, header));
    EXPECT_EQ(header.status, p::ReplyStatus::kOk);
    p::SetBaudReply body;
    ASSERT_TRUE(p::decode(in, body));
    EXPECT_EQ(body.baud, 460800u);
    replied = true;
  }
  EXPECT_TRUE(replied);
}

TEST_F(ProtocolServerTest, SetBaudRefusesARateTheUartCannotRun) {
  const Reply reply = request(p::Command::kSetBaud, p::SetBaudRequest{kFastestBaud * 2});
  ASSERT_EQ(reply.header.status, p::ReplyStatus::kBadArgument);
  EXPECT_EQ(decode<p::ErrorReply>(reply).found, kFastestBaud * 2);
  EXPECT_EQ(request(p::Command::kSetBaud, p::SetBaudRequest{0}).header.status,
            p::ReplyStatus::kBadArgument);
}

TEST_F(ProtocolServerTest, SetBaudIsUnknownToABoardThatCannotSwitch) {
  ServerPlatform fixed = kPlatform;
  fixed.serial_baud_supported = nullptr;
  fixed.serial_set_baud = nullptr;
  ProtocolServer server(kIdentity, fixed,
                        ModelHooks{&model_, &FakeModel::invoke, nullptr, &FakeModel::reset});
  uint8_t payload[p::kMaxPayload];
  uint8_t reply[p::kMaxPayload];
  const size_t size = p::build_request(p::Command::kSetBaud, 1, p::SetBaudRequest{921600}, payload,
                                       sizeof(payload));
  const size_t reply_size = server.handle_request(payload, size, reply);
  p::ByteReader in(reply, reply_size);
  p::ReplyHeader header;
  ASSERT_TRUE(p::decode(in, header));
  EXPECT_EQ(header.status, p::ReplyStatus::kUnknownCommand);
}

TEST_F(ProtocolServerTest, ModelRequestsAreRefusedWithTheWithdrawReason) {
  EXPECT_EQ(request(p::Command::kRun, p::RunRequest{}).header.status, p::ReplyStatus::kNoModel);
  p::ErrorReply detail;
  detail.runtime_status = 7;
  server_.withdraw(p::ReplyStatus::kInvalidModel, detail);
  const Reply reply = request(p::Command::kOutput, p::OutputRequest{0, 4});
  ASSERT_EQ(reply.header.status, p::ReplyStatus::kInvalidModel);
  EXPECT_EQ(decode<p::ErrorReply>(reply).runtime_status, 7);
  EXPECT_EQ(model_.invocations, 0);
}

TEST_F(ProtocolServerTest, RequestsTheBuildDoesNotServeAreUnknownCommands) {
  const Reply reply = request(p::Command::kLoadBegin, p::LoadBeginRequest{100});
  ASSERT_EQ(reply.header.status, p::ReplyStatus::kUnknownCommand);
  EXPECT_EQ(decode<p::ErrorReply>(reply).found, static_cast<uint8_t>(p::Command::kLoadBegin));
}

TEST_F(ProtocolServerTest, ExtraRequestsGoToTheBuildAndUnansweredOnesAreUnknown) {
  struct Extra {
    static size_t answer(void*, const Request& request, uint8_t* reply) {
      if (request.header.command != static_cast<uint8_t>(p::Command::kPerOp)) return 0;
      return empty_ok_reply(request, reply);
    }
  };
  ProtocolServer server(kIdentity, kPlatform,
                        ModelHooks{&model_, &FakeModel::invoke, &Extra::answer, nullptr});
  uint8_t payload[p::kMaxPayload];
  uint8_t reply[p::kMaxPayload];
  const size_t per_op =
      p::build_request(p::Command::kPerOp, 1, p::PerOpRequest{0, 1}, payload, sizeof(payload));
  ASSERT_EQ(server.handle_request(payload, per_op, reply), p::kReplyHeaderSize);
  EXPECT_EQ(reply[2], static_cast<uint8_t>(p::ReplyStatus::kOk));
  const size_t load =
      p::build_request(p::Command::kLoadEnd, 2, p::LoadEndRequest{0}, payload, sizeof(payload));
  server.handle_request(payload, load, reply);
  EXPECT_EQ(reply[2], static_cast<uint8_t>(p::ReplyStatus::kUnknownCommand));
}

TEST_F(ProtocolServerTest, RunMeasuresTheModelAndOutputReturnsItsBytes) {
  server_.serve(model_.served(/*staged=*/false, /*painted=*/false));
  EXPECT_EQ(request(p::Command::kOutput, p::OutputRequest{0, 4}).header.status,
            p::ReplyStatus::kNoRunYet);
  const p::RunReply result = run(3, p::InputMode::kZeros);
  EXPECT_EQ(model_.invocations, 3);
  EXPECT_EQ(result.iterations, 3u);
  EXPECT_EQ(result.op_count, 3u);
  EXPECT_EQ(result.total_cycles, 3000u);
  EXPECT_EQ(result.min_cycles, 1000u);
  EXPECT_EQ(result.arena_bytes_used, 0u);  // no arena to paint
  EXPECT_EQ(result.stack_bytes_used, 256u);
  const uint8_t expected[kOutputBytes] = {0, 1, 2, 3};
  EXPECT_EQ(result.output_crc32, runtime::crc32(expected, kOutputBytes));
  const Reply output = request(p::Command::kOutput, p::OutputRequest{1, 3});
  ASSERT_EQ(output.header.status, p::ReplyStatus::kOk);
  const auto chunk = decode<p::OutputReply>(output);
  ASSERT_EQ(chunk.size, 3u);
  EXPECT_EQ(std::vector<uint8_t>(chunk.data, chunk.data + 3), std::vector<uint8_t>({1, 2, 3}));
  const Reply past_end = request(p::Command::kOutput, p::OutputRequest{2, 3});
  ASSERT_EQ(past_end.header.status, p::ReplyStatus::kOutOfRange);
  EXPECT_EQ(decode<p::ErrorReply>(past_end).expected, kOutputBytes);
}

TEST_F(ProtocolServerTest, InPlaceInputIsWrittenIntoTheInputTensorAndRunsOnce) {
  server_.serve(model_.served(/*staged=*/false, /*painted=*/false));
  const std::array<uint8_t, kInputBytes> sample = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_EQ(request(p::Command::kInput, input_of(sample)).header.status, p::ReplyStatus::kOk);
  EXPECT_EQ(model_.input, sample);
  p::RunRequest twice;
  twice.iterations = 2;
  twice.input_mode = p::InputMode::kUploaded;
  const Reply refused = request(p::Command::kRun, twice);
  ASSERT_EQ(refused.header.status, p::ReplyStatus::kBadArgument);
  EXPECT_EQ(decode<p::ErrorReply>(refused).expected, 1u);
  run(1, p::InputMode::kUploaded);
  EXPECT_EQ(model_.output[0], 36);  // 1 + 2 + ... + 8
}

TEST_F(ProtocolServerTest, StagedInputNeedsAnUploadAndIsCopiedInBeforeEveryIteration) {
  server_.serve(model_.served(/*staged=*/true, /*painted=*/false));
  p::RunRequest uploaded;
  uploaded.input_mode = p::InputMode::kUploaded;
  EXPECT_EQ(request(p::Command::kRun, uploaded).header.status, p::ReplyStatus::kBadArgument);
  const std::array<uint8_t, kInputBytes> sample = {10, 0, 0, 0, 0, 0, 0, 1};
  ASSERT_EQ(request(p::Command::kInput, input_of(sample)).header.status, p::ReplyStatus::kOk);
  EXPECT_EQ(model_.staging, sample);
  run(4, p::InputMode::kUploaded);
  EXPECT_EQ(model_.input, sample);
  EXPECT_EQ(model_.output[0], 11);
}

TEST_F(ProtocolServerTest, PaintedArenaReportsTheBytesTheModelWrote) {
  server_.serve(model_.served(/*staged=*/true, /*painted=*/true));
  const p::RunReply once = run(1, p::InputMode::kZeros);
  EXPECT_EQ(once.arena_bytes_used, kArenaWritten);
  EXPECT_EQ(model_.invocations, 2);  // one untimed extra pass for the second paint
  EXPECT_EQ(once.iterations, 1u);
  EXPECT_EQ(once.total_cycles, 1000u);
}

TEST_F(ProtocolServerTest, BadArgumentsAndLengthsNameWhatWasExpected) {
  server_.serve(model_.served(/*staged=*/true, /*painted=*/false));
  p::RunRequest none;
  none.iterations = 0;
  const Reply zero = request(p::Command::kRun, none);
  ASSERT_EQ(zero.header.status, p::ReplyStatus::kBadArgument);
  EXPECT_EQ(decode<p::ErrorReply>(zero).expected, 1u);
  p::RunRequest bad_mode;
  bad_mode.input_mode = static_cast<p::InputMode>(9);
  const Reply mode = request(p::Command::kRun, bad_mode);
  ASSERT_EQ(mode.header.status, p::ReplyStatus::kBadArgument);
  EXPECT_EQ(decode<p::ErrorReply>(mode).expected, p::kInputModeCount - 1u);
  EXPECT_EQ(decode<p::ErrorReply>(mode).found, 9u);
  const Reply hello = request(p::Command::kHello, p::LoadBeginRequest{1});
  ASSERT_EQ(hello.header.status, p::ReplyStatus::kBadLength);
  EXPECT_EQ(decode<p::ErrorReply>(hello).found, 4u);  // the body size
}

TEST_F(ProtocolServerTest, RunFailureReportsTheRuntimeStatusAndForgetsTheRun) {
  server_.serve(model_.served(/*staged=*/false, /*painted=*/false));
  run(1, p::InputMode::kZeros);
  model_.status = 5;
  const Reply failed = request(p::Command::kRun, p::RunRequest{});
  ASSERT_EQ(failed.header.status, p::ReplyStatus::kRunFailed);
  EXPECT_EQ(decode<p::ErrorReply>(failed).runtime_status, 5);
  EXPECT_EQ(request(p::Command::kOutput, p::OutputRequest{0, 4}).header.status,
            p::ReplyStatus::kNoRunYet);
}

TEST_F(ProtocolServerTest, ResetForgetsTheRunAndTellsTheBuild) {
  server_.serve(model_.served(/*staged=*/false, /*painted=*/false));
  run(1, p::InputMode::kPseudoRandom);
  EXPECT_EQ(request(p::Command::kReset).header.status, p::ReplyStatus::kOk);
  EXPECT_EQ(model_.resets, 1);
  EXPECT_EQ(request(p::Command::kOutput, p::OutputRequest{0, 4}).header.status,
            p::ReplyStatus::kNoRunYet);
}

TEST_F(ProtocolServerTest, FramesInRepliesOutAndBadFramesAreAnswered) {
  uint8_t payload[p::kMaxPayload];
  uint8_t frame[p::kMaxEncodedFrame];
  const size_t payload_size =
      p::build_empty_request(p::Command::kHello, 42, payload, sizeof(payload));
  const size_t frame_size = p::encode_frame(payload, payload_size, frame, sizeof(frame));
  frame[2] ^= 0x01;  // the sequence byte: CRC mismatch
  g_written.clear();
  for (size_t i = 0; i < frame_size; ++i) server_.on_byte(frame[i]);
  frame[2] ^= 0x01;
  for (size_t i = 0; i < frame_size; ++i) server_.on_byte(frame[i]);

  p::FrameDecoder decoder;
  std::vector<Reply> replies;
  for (uint8_t byte : g_written) {
    if (decoder.push(byte) != p::DecodeEvent::kFrame) continue;
    p::ByteReader in(decoder.payload(), decoder.payload_size());
    Reply reply;
    ASSERT_TRUE(p::decode(in, reply.header));
    replies.push_back(reply);
  }
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].header.status, p::ReplyStatus::kBadFrame);
  EXPECT_EQ(replies[0].header.sequence, p::kUntrustedSequence);
  EXPECT_EQ(replies[1].header.status, p::ReplyStatus::kOk);
  EXPECT_EQ(replies[1].header.sequence, 42);
}

// The arena high-water by painting: the end of the last byte that differs from the paint, at any
// alignment (the word-wise scan and the byte-wise one agree).
TEST(PaintedHighWater, EndsAfterTheLastWrittenByteAtAnyAlignment) {
  std::vector<uint8_t> arena(64, 0x55);
  EXPECT_EQ(painted_high_water(arena.data(), 64, 0x55), 0u);
  for (uint32_t written = 0; written < 64; ++written) {
    std::fill(arena.begin(), arena.end(), 0x55);
    arena[written] = 0x54;
    EXPECT_EQ(painted_high_water(arena.data(), 64, 0x55), written + 1);
    EXPECT_EQ(painted_high_water(arena.data(), 63, 0x55), written < 63 ? written + 1 : 0u);
  }
  EXPECT_EQ(painted_high_water(arena.data(), 64, 0xAA), 64u);
}

}  // namespace
}  // namespace tinynas::firmware
