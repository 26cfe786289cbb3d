#include "firmware/protocol/messages.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "firmware/protocol/input_pattern.h"

namespace tinynas::firmware::protocol {
namespace {

template <typename Message>
std::vector<uint8_t> bytes_of(const Message& message) {
  std::vector<uint8_t> buffer(kMaxBody);
  ByteWriter out(buffer.data(), buffer.size());
  encode(out, message);
  EXPECT_TRUE(out.ok());
  buffer.resize(out.size());
  return buffer;
}

template <typename Message>
Message round_trip(const Message& message) {
  const auto bytes = bytes_of(message);
  Message decoded;
  ByteReader in(bytes.data(), bytes.size());
  EXPECT_TRUE(decode(in, decoded));
  return decoded;
}

// Every fixed-layout body must fail to decode when one byte short or one byte long.
template <typename Message>
void expect_strict_length(const Message& message) {
  auto bytes = bytes_of(message);
  Message decoded;
  ByteReader shorter(bytes.data(), bytes.size() - 1);
  EXPECT_FALSE(decode(shorter, decoded));
  bytes.push_back(0);
  ByteReader longer(bytes.data(), bytes.size());
  EXPECT_FALSE(decode(longer, decoded));
}

std::string str(const Text& text) { return std::string(text.data, text.size); }

TEST(Messages, HelloRoundTrips) {
  HelloReply hello;
  hello.protocol_version = kProtocolVersion;
  hello.format_version = 1;
  hello.firmware_version = make_text("tinynas-runner 0.1.0 (test)");
  hello.board = make_text("qemu-mps2-an386");
  hello.core = make_text("cortex-m4");
  hello.clock_hz = 25000000;
  hello.sram_bytes = 4u << 20;
  hello.flash_bytes = 4u << 20;
  hello.model_region_bytes = 1u << 20;
  hello.arena_capacity_bytes = 512u << 10;
  hello.scratch_capacity_bytes = 64u << 10;
  hello.max_chunk = kMaxChunk;
  hello.timer = TimerKind::kSysTick;
  hello.kernel_path = KernelPath::kDsp;
  const auto bytes = bytes_of(hello);  // decoded Text fields point into these bytes
  HelloReply d;
  ByteReader in(bytes.data(), bytes.size());
  ASSERT_TRUE(decode(in, d));
  EXPECT_EQ(d.protocol_version, kProtocolVersion);
  EXPECT_EQ(str(d.firmware_version), "tinynas-runner 0.1.0 (test)");
  EXPECT_EQ(str(d.board), "qemu-mps2-an386");
  EXPECT_EQ(str(d.core), "cortex-m4");
  EXPECT_EQ(d.clock_hz, 25000000u);
  EXPECT_EQ(d.sram_bytes, 4u << 20);
  EXPECT_EQ(d.model_region_bytes, 1u << 20);
  EXPECT_EQ(d.arena_capacity_bytes, 512u << 10);
  EXPECT_EQ(d.scratch_capacity_bytes, 64u << 10);
  EXPECT_EQ(d.max_chunk, kMaxChunk);
  EXPECT_EQ(d.kernel_path, KernelPath::kDsp);
  expect_strict_length(hello);
}

TEST(Messages, TextLongerThan255BytesFailsToEncode) {
  const std::string long_name(256, 'x');
  HelloReply hello;
  hello.board = make_text(long_name.c_str());
  std::vector<uint8_t> buffer(kMaxBody);
  ByteWriter out(buffer.data(), buffer.size());
  encode(out, hello);
  EXPECT_FALSE(out.ok());
}

TEST(Messages, LoadMessagesRoundTrip) {
  EXPECT_EQ(round_trip(LoadBeginRequest{123456}).total_size, 123456u);
  EXPECT_EQ(round_trip(LoadBeginReply{1u << 20}).model_region_bytes, 1u << 20);
  EXPECT_EQ(round_trip(LoadChunkReply{512}).received_bytes, 512u);
  EXPECT_EQ(round_trip(LoadEndRequest{0xCBF43926u}).crc32, 0xCBF43926u);
  const LoadEndReply end{1000, 200, 3072, 10, 12, 30};
  const LoadEndReply d = round_trip(end);
  EXPECT_EQ(d.arena_bytes, 1000u);
  EXPECT_EQ(d.scratch_bytes, 200u);
  EXPECT_EQ(d.input_bytes, 3072u);
  EXPECT_EQ(d.output_bytes, 10u);
  EXPECT_EQ(d.op_count, 12u);
  EXPECT_EQ(d.tensor_count, 30u);
  expect_strict_length(LoadBeginRequest{1});
  expect_strict_length(LoadEndRequest{1});
  expect_strict_length(end);
}

TEST(Messages, ChunkCarriesItsBytesAndRejectsEmptyOrOversizeData) {
  std::vector<uint8_t> data(kMaxChunk);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  const LoadChunkRequest chunk{4096, data.data(), data.size()};
  const auto bytes = bytes_of(chunk);
  LoadChunkRequest d;
  ByteReader in(bytes.data(), bytes.size());
  ASSERT_TRUE(decode(in, d));
  EXPECT_EQ(d.offset, 4096u);
  ASSERT_EQ(d.size, kMaxChunk);
  EXPECT_EQ(std::memcmp(d.data, data.data(), kMaxChunk), 0);

  std::vector<uint8_t> buffer(kMaxBody);
  std::vector<uint8_t> too_much(kMaxChunk + 1);
  ByteWriter out(buffer.data(), buffer.size());
  encode(out, InputRequest{0, too_much.data(), too_much.size()});
  EXPECT_FALSE(out.ok());
  ByteWriter out_empty(buffer.data(), buffer.size());
  encode(out_empty, LoadChunkRequest{0, data.data(), 0});
  EXPECT_FALSE(out_empty.ok());

  const uint8_t offset_only[4] = {0, 0, 0, 0};
  ByteReader in_empty(offset_only, sizeof(offset_only));
  EXPECT_FALSE(decode(in_empty, d));
  std::vector<uint8_t> oversize(4 + kMaxChunk + 1);
  ByteReader in_oversize(oversize.data(), oversize.size());
  EXPECT_FALSE(decode(in_oversize, d));
}

TEST(Messages, RunMessagesRoundTrip) {
  const RunRequest run{10, InputMode::kPseudoRandom, 42};
  const RunRequest dr = round_trip(run);
  EXPECT_EQ(dr.iterations, 10u);
  EXPECT_EQ(dr.input_mode, InputMode::kPseudoRandom);
  EXPECT_EQ(dr.seed, 42u);
  expect_strict_length(run);

  RunReply reply;
  reply.total_cycles = 0x123456789ull;
  reply.last_cycles = 1000;
  reply.min_cycles = 990;
  reply.max_cycles = 1010;
  reply.iterations = 10;
  reply.op_count = 7;
  reply.arena_bytes_used = 4096;
  reply.stack_bytes_used = 612;
  reply.output_crc32 = 0xDEADBEEF;
  reply.output_bytes = 10;
  const RunReply d = round_trip(reply);
  EXPECT_EQ(d.total_cycles, 0x123456789ull);
  EXPECT_EQ(d.last_cycles, 1000u);
  EXPECT_EQ(d.min_cycles, 990u);
  EXPECT_EQ(d.max_cycles, 1010u);
  EXPECT_EQ(d.iterations, 10u);
  EXPECT_EQ(d.op_count, 7u);
  EXPECT_EQ(d.arena_bytes_used, 4096u);
  EXPECT_EQ(d.stack_bytes_used, 612u);
  EXPECT_EQ(d.output_crc32, 0xDEADBEEFu);
  EXPECT_EQ(d.output_bytes, 10u);
  expect_strict_length(reply);
}

TEST(Messages, PerOpRoundTripsAndLimitsCount) {
  uint32_t cycles[kMaxPerOpCount];
  for (uint16_t i = 0; i < kMaxPerOpCount; ++i) cycles[i] = 1000u * i + 7;
  PerOpReply reply;
  reply.first_op = 3;
  reply.count = kMaxPerOpCount;
  reply.cycles = cycles;
  const auto bytes = bytes_of(reply);
  EXPECT_LE(bytes.size(), kMaxBody);
  PerOpReply d;
  ByteReader in(bytes.data(), bytes.size());
  ASSERT_TRUE(decode(in, d));
  EXPECT_EQ(d.first_op, 3u);
  ASSERT_EQ(d.count, kMaxPerOpCount);
  for (uint16_t i = 0; i < kMaxPerOpCount; ++i) EXPECT_EQ(d.cycles_at(i), cycles[i]);

  reply.count = kMaxPerOpCount + 1;
  std::vector<uint8_t> buffer(2 * kMaxBody);
  ByteWriter out(buffer.data(), buffer.size());
  encode(out, reply);
  EXPECT_FALSE(out.ok());
  const PerOpRequest request{5, 20};
  EXPECT_EQ(round_trip(request).first_op, 5u);
  EXPECT_EQ(round_trip(request).count, 20u);
  expect_strict_length(request);
}

TEST(Messages, OutputRoundTripsAndLimitsLength) {
  const OutputRequest request{100, 50};
  EXPECT_EQ(round_trip(request).offset, 100u);
  EXPECT_EQ(round_trip(request).length, 50u);
  expect_strict_length(request);
  const uint8_t data[5] = {1, 0, 0xFF, 0x80, 3};
  const auto bytes = bytes_of(OutputReply{100, data, sizeof(data)});
  OutputReply d;
  ByteReader in(bytes.data(), bytes.size());
  ASSERT_TRUE(decode(in, d));
  EXPECT_EQ(d.offset, 100u);
  ASSERT_EQ(d.size, sizeof(data));
  EXPECT_EQ(std::memcmp(d.data, data, sizeof(data)), 0);
  std::vector<uint8_t> big(kMaxOutputChunk + 1);
  std::vector<uint8_t> buffer(2 * kMaxBody);
  ByteWriter out(buffer.data(), buffer.size());
  encode(out, OutputReply{0, big.data(), big.size()});
  EXPECT_FALSE(out.ok());
}

TEST(Messages, TrainingMessagesRoundTrip) {
  EXPECT_EQ(round_trip(TrainInitRequest{0xAA}).arena_paint, 0xAA);
  expect_strict_length(TrainInitRequest{});
  TrainInitReply init;
  init.layer_count = 7;
  init.classes = 10;
  init.input_bytes = 3072;
  init.arena_bytes = 40000;
  init.scratch_bytes = 128;
  init.learning_rate_bits = 0x3CA3D70A;  // 0.02f
  const TrainInitReply init_back = round_trip(init);
  EXPECT_EQ(init_back.layer_count, 7u);
  EXPECT_EQ(init_back.classes, 10u);
  EXPECT_EQ(init_back.input_bytes, 3072u);
  EXPECT_EQ(init_back.arena_bytes, 40000u);
  EXPECT_EQ(init_back.scratch_bytes, 128u);
  EXPECT_EQ(init_back.learning_rate_bits, 0x3CA3D70Au);
  expect_strict_length(init);

  EXPECT_EQ(round_trip(TrainStepRequest{9}).label, 9u);
  expect_strict_length(TrainStepRequest{3});
  const TrainStepReply step_back = round_trip(TrainStepReply{0x3F800000, 123456, 40000, 900, 5});
  EXPECT_EQ(step_back.loss_bits, 0x3F800000u);
  EXPECT_EQ(step_back.cycles, 123456u);
  EXPECT_EQ(step_back.arena_bytes_used, 40000u);
  EXPECT_EQ(step_back.stack_bytes_used, 900u);
  EXPECT_EQ(step_back.steps, 5u);
  expect_strict_length(TrainStepReply{});

  EXPECT_EQ(round_trip(TrainLayerRequest{4}).layer, 4u);
  expect_strict_length(TrainLayerRequest{});
  const TrainLayerReply layer{4, 12, 3, 640, 40, 0xDEADBEEF, 0x01234567};
  const TrainLayerReply layer_back = round_trip(layer);
  EXPECT_EQ(layer_back.layer, 4u);
  EXPECT_EQ(layer_back.model_op, 12u);
  EXPECT_EQ(layer_back.flags, 3u);
  EXPECT_EQ(layer_back.weight_bytes, 640u);
  EXPECT_EQ(layer_back.bias_bytes, 40u);
  EXPECT_EQ(layer_back.weights_crc32, 0xDEADBEEFu);
  EXPECT_EQ(layer_back.bias_crc32, 0x01234567u);
  expect_strict_length(layer);

  const TrainParamsRequest params{2, TrainPart::kBias, 16, 24};
  const TrainParamsRequest params_back = round_trip(params);
  EXPECT_EQ(params_back.layer, 2u);
  EXPECT_EQ(params_back.part, TrainPart::kBias);
  EXPECT_EQ(params_back.offset, 16u);
  EXPECT_EQ(params_back.length, 24u);
  expect_strict_length(params);
  const uint8_t data[6] = {0, 1, 0xFE, 0x80, 7, 0};
  const auto bytes = bytes_of(TrainParamsReply{16, data, sizeof(data)});
  TrainParamsReply chunk;
  ByteReader in(bytes.data(), bytes.size());
  ASSERT_TRUE(decode(in, chunk));
  EXPECT_EQ(chunk.offset, 16u);
  ASSERT_EQ(chunk.size, sizeof(data));
  EXPECT_EQ(std::memcmp(chunk.data, data, sizeof(data)), 0);
  std::vector<uint8_t> big(kMaxTrainParamsChunk + 1);
  std::vector<uint8_t> buffer(2 * kMaxBody);
  ByteWriter out(buffer.data(), buffer.size());
  encode(out, TrainParamsReply{0, big.data(), big.size()});
  EXPECT_FALSE(out.ok());
}

TEST(Messages, ErrorReplyRoundTrips) {
  const ErrorReply error{9, 3, 17, 12, 100, 200};
  const ErrorReply d = round_trip(error);
  EXPECT_EQ(d.runtime_status, 9u);
  EXPECT_EQ(d.detail, 3u);
  EXPECT_EQ(d.index, 17u);
  EXPECT_EQ(d.field, 12u);
  EXPECT_EQ(d.expected, 100u);
  EXPECT_EQ(d.found, 200u);
  expect_strict_length(error);
}

TEST(Messages, HeadersAndBuildersProduceTheDocumentedBytes) {
  uint8_t payload[kMaxPayload];
  const size_t request_size = build_request(Command::kLoadBegin, 0x42, LoadBeginRequest{0x01020304},
                                            payload, sizeof(payload));
  ASSERT_EQ(request_size, 6u);
  const uint8_t expected_request[6] = {0x02, 0x42, 0x04, 0x03, 0x02, 0x01};
  EXPECT_EQ(std::memcmp(payload, expected_request, 6), 0);

  const size_t reply_size =
      build_reply(0x06, 0x42, ReplyStatus::kNoModel, ErrorReply{}, payload, sizeof(payload));
  ASSERT_EQ(reply_size, kReplyHeaderSize + 16);
  ByteReader in(payload, reply_size);
  ReplyHeader header;
  ASSERT_TRUE(decode(in, header));
  EXPECT_EQ(header.command, 0x86);
  EXPECT_EQ(header.sequence, 0x42);
  EXPECT_EQ(header.status, ReplyStatus::kNoModel);
  EXPECT_EQ(build_empty_request(Command::kHello, 1, payload, sizeof(payload)), kRequestHeaderSize);
  EXPECT_EQ(build_empty_reply(0x09, 1, payload, sizeof(payload)), kReplyHeaderSize);
  EXPECT_EQ(payload[0], 0x89);
  EXPECT_EQ(build_empty_request(Command::kHello, 1, payload, 1), 0u);
}

TEST(Messages, NamesCoverEveryValue) {
  for (uint8_t c = kFirstCommand; c <= kLastCommand; ++c) {
    EXPECT_STRNE(command_name(c), "unknown command");
    EXPECT_STREQ(command_name(c), command_name(static_cast<uint8_t>(c | kReplyFlag)));
  }
  EXPECT_STREQ(command_name(0x7F), "unknown command");
  for (int s = 0; s <= static_cast<int>(ReplyStatus::kNoInput); ++s) {
    EXPECT_STRNE(reply_status_name(static_cast<ReplyStatus>(s)), "unknown status");
  }
  EXPECT_STREQ(frame_error_name(FrameError::kCrcMismatch), "CRC mismatch");
}

TEST(InputPattern, IsDeterministicSeedDependentAndNeverStuckAtZero) {
  uint8_t a[64], b[64], c[64];
  fill_pseudo_random(a, sizeof(a), 1);
  fill_pseudo_random(b, sizeof(b), 1);
  fill_pseudo_random(c, sizeof(c), 2);
  EXPECT_EQ(std::memcmp(a, b, sizeof(a)), 0);
  EXPECT_NE(std::memcmp(a, c, sizeof(a)), 0);
  uint8_t z[64];
  fill_pseudo_random(z, sizeof(z), 0);
  int nonzero = 0;
  for (uint8_t v : z) nonzero += v != 0;
  EXPECT_GT(nonzero, 32);
  // xorshift32 from state 1: 1 -> 0x00042021, low byte 0x21.
  EXPECT_EQ(a[0], 0x21);
}

}  // namespace
}  // namespace tinynas::firmware::protocol
