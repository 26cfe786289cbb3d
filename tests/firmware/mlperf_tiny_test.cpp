// The MLPerf Tiny device side on the host, with a fake model: every command and reply line of
// the benchmark protocol, every error path, and the switch between it and the tinynas protocol
// on one serial line.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "firmware/mlperf_tiny/dut.h"
#include "firmware/mlperf_tiny/line_reader.h"
#include "firmware/mlperf_tiny/model_name.h"
#include "firmware/mlperf_tiny/protocol_switch.h"
#include "firmware/mlperf_tiny/text_line.h"
#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/frame_encoder.h"
#include "firmware/protocol/messages.h"

namespace tinynas::firmware::mlperf_tiny {
namespace {

namespace p = protocol;

constexpr uint32_t kInputBytes = 20;
constexpr uint32_t kClasses = 3;

std::string g_written;
uint64_t g_now_us = 0;

const ThPort kPort{[](const uint8_t* data, size_t size) {
                     g_written.append(reinterpret_cast<const char*>(data), size);
                   },
                   [] { return g_now_us += 250; }};

// Score i = (sum of the input bytes + i) / 100; every inference takes the clock 1000 us on.
struct FakeModel {
  bool ready = true;
  std::array<uint8_t, kInputBytes> db{};
  std::array<uint8_t, kInputBytes> input{};
  int infers = 0;
  int status = 0;
  float last_sum = 0.0f;

  ThModel th() {
    ThModel model{};
    model.context = this;
    model.facts = [](void* self, ThModelFacts* facts) {
      FakeModel& m = *static_cast<FakeModel*>(self);
      facts->name = "fake01";
      facts->db = m.db.data();
      facts->input_bytes = kInputBytes;
      facts->result_count = kClasses;
      return m.ready;
    };
    model.load_tensor = [](void* self) {
      FakeModel& m = *static_cast<FakeModel*>(self);
      m.input = m.db;
    };
    model.infer = [](void* self) {
      FakeModel& m = *static_cast<FakeModel*>(self);
      ++m.infers;
      g_now_us += 1000;
      float sum = 0;
      for (uint8_t b : m.input) sum += b;
      m.last_sum = sum;
      return m.status;
    };
    model.result = [](void* self, uint32_t index) {
      return (static_cast<FakeModel*>(self)->last_sum + static_cast<float>(index)) / 100.0f;
    };
    return model;
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end = text.find("\r\n"); end != std::string::npos; end = text.find("\r\n", start)) {
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  EXPECT_EQ(start, text.size()) << "a reply line without \\r\\n: " << text.substr(start);
  return lines;
}

class MlperfDutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_written.clear();
    g_now_us = 0;
  }

  // Sends `command` + '%' byte by byte; returns the reply lines (which must end in m-ready).
  std::vector<std::string> send(const std::string& command) {
    g_written.clear();
    for (char c : command) dut_.on_byte(static_cast<uint8_t>(c));
    dut_.on_byte('%');
    std::vector<std::string> lines = lines_of(g_written);
    EXPECT_FALSE(lines.empty());
    if (!lines.empty()) {
      EXPECT_EQ(lines.back(), "m-ready") << command;
      lines.pop_back();
    }
    return lines;
  }

  std::string hex(uint32_t first, uint32_t count) {
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    for (uint32_t i = first; i < first + count; ++i) {
      out += kDigits[(i >> 4) & 0xF];
      out += kDigits[i & 0xF];
    }
    return out;
  }

  void load_input() {
    EXPECT_EQ(send("db load 20"), std::vector<std::string>{"m-[Expecting 20 bytes]"});
    EXPECT_TRUE(send("db " + hex(1, 10)).empty());
    EXPECT_EQ(send("db " + hex(11, 10)), std::vector<std::string>{"m-load-done"});
  }

  FakeModel model_;
  MlperfDut dut_{"tinynas fake-board", "tinynas-test 1.0", kPort, model_.th()};
};

using Lines = std::vector<std::string>;

TEST_F(MlperfDutTest, BootPrintsTimestampModeInitDoneAndReady) {
  dut_.boot();
  EXPECT_EQ(lines_of(g_written),
            (Lines{"m-timestamp-mode-performance", "m-lap-us-250", "m-init-done", "m-ready"}));
}

TEST_F(MlperfDutTest, NameProfileAndTimestamp) {
  EXPECT_EQ(send("name"), Lines{"m-name-dut-[tinynas fake-board]"});
  EXPECT_EQ(send("profile"), (Lines{"m-profile-[tinynas-test 1.0]", "m-model-[fake01]"}));
  EXPECT_EQ(send("timestamp"), Lines{"m-lap-us-250"});
  EXPECT_EQ(send("timestamp"), Lines{"m-lap-us-500"});
  EXPECT_GT(send("help").size(), 5u);
}

TEST_F(MlperfDutTest, DbLoadsHexChunksAndPrintsThem) {
  load_input();
  EXPECT_EQ(model_.db[0], 1);
  EXPECT_EQ(model_.db[19], 20);
  EXPECT_EQ(send("db print"), (Lines{"m-buffer-01-02-03-04-05-06-07-08",
                                     "m-buffer-09-0a-0b-0c-0d-0e-0f-10", "m-buffer-11-12-13-14"}));
  // Upper-case digits and the reference runner's chunks of 31 bytes work too.
  EXPECT_EQ(send("db load 20"), Lines{"m-[Expecting 20 bytes]"});
  EXPECT_EQ(send("db FFFEFDFCFBFAF9F8F7F6F5F4F3F2F1F0EFEEEDEC"), Lines{"m-load-done"});
  EXPECT_EQ(model_.db[0], 0xFF);
  EXPECT_EQ(model_.db[19], 0xEC);
}

TEST_F(MlperfDutTest, InferRunsWarmupsThenTimedInferencesThenResults) {
  load_input();
  const Lines lines = send("infer 4 2");
  // Sum of 1..20 = 210: scores 2.10, 2.11, 2.12. The clock: 250 us per read, 1000 per inference.
  EXPECT_EQ(lines, (Lines{"m-warmup-start-2", "m-warmup-done", "m-infer-start-4", "m-lap-us-2250",
                          "m-lap-us-6500", "m-infer-done", "m-results-[2.100,2.110,2.120]"}));
  EXPECT_EQ(model_.infers, 6);
  EXPECT_EQ(send("results"), Lines{"m-results-[2.100,2.110,2.120]"});
}

TEST_F(MlperfDutTest, InferDefaultsToOneInferenceAfterTenWarmups) {
  load_input();
  const Lines lines = send("infer");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "m-warmup-start-10");
  EXPECT_EQ(lines[2], "m-infer-start-1");
  EXPECT_EQ(model_.infers, 11);
}

TEST_F(MlperfDutTest, BadInputGetsAnErrorAndTheDutStaysReady) {
  EXPECT_EQ(send("bogus 1 2"), Lines{"e-[Unknown command: bogus]"});
  EXPECT_EQ(send("a\tb\x01"), Lines{"e-[Unknown command: a?b?]"}) << "no control bytes echoed";
  EXPECT_EQ(send(std::string(81, 'a')), Lines{"e-[Command longer than 80 characters]"});
  EXPECT_EQ(send("db 0102"), Lines{"e-[Command 'db' needs 'db load N' first]"});
  EXPECT_EQ(send("db"), Lines{"e-[Command 'db' requires a subcommand]"});
  EXPECT_EQ(send("db load"), Lines{"e-[Command 'db load' requires the # of bytes]"});
  EXPECT_EQ(send("db load 0"), Lines{"e-[Command 'db load' must be >0 bytes]"});
  EXPECT_EQ(send("db load x1"), Lines{"e-[Command 'db load' needs a byte count, not 'x1']"});
  EXPECT_EQ(send("db load 4 5"), Lines{"e-[Command 'db load' takes one number]"});
  EXPECT_EQ(send("db 01 02"), Lines{"e-[Command 'db' takes one run of hex digits]"});
  EXPECT_EQ(send("infer 1 2 3"), Lines{"e-[Command 'infer' takes at most 2 numbers]"});
  EXPECT_EQ(send("db load 21"), Lines{"e-[Supplied buffer size 21 exceeds maximum of 20]"});
  EXPECT_EQ(send("db load 4"), Lines{"m-[Expecting 4 bytes]"});
  EXPECT_EQ(send("db 010"), Lines{"e-[Insufficient number of hex digits]"});
  EXPECT_EQ(send("db 01zz"), Lines{"e-[Invalid hex digit 'z']"});
  EXPECT_EQ(send("db 0102"), Lines{});
  EXPECT_EQ(send("db load 3"),
            (Lines{"e-[db load while 2 of 4 bytes were still expected: restarted]",
                   "m-[Expecting 3 bytes]"}));
  EXPECT_EQ(send("db 0a0b0c0d0e"),
            (Lines{"m-load-done", "e-[2 bytes past the announced 3 ignored]"}));
  EXPECT_EQ(model_.db[2], 0x0c);
  EXPECT_EQ(model_.db[3], 0x00) << "nothing written past the announced bytes";
  EXPECT_EQ(send("db 01"),
            Lines{"e-[All announced bytes arrived: 'db load N' starts a new transfer]"});
  EXPECT_EQ(send("infer 0"), Lines{"e-[Inference iterations must be >0]"});
  EXPECT_EQ(send("infer -1"), Lines{"e-[Inference iterations must be >0]"});
  EXPECT_EQ(send("infer 1 -5"), Lines{"e-[Inference warmup must be >=0]"});
  EXPECT_EQ(send("infer 1 0"), Lines{"e-[The model takes 20 input bytes; 'db' holds 3]"});
  EXPECT_EQ(send("results"), Lines{"e-[No results: run 'infer' first]"});
  EXPECT_EQ(model_.infers, 0);
  EXPECT_EQ(send(""), Lines{});  // an empty command (a flush) just gets m-ready
  EXPECT_EQ(send("name"), Lines{"m-name-dut-[tinynas fake-board]"});
}

TEST_F(MlperfDutTest, AFailedInferenceIsReported) {
  load_input();
  model_.status = 7;
  EXPECT_EQ(send("infer 1 0"),
            (Lines{"m-warmup-start-0", "m-warmup-done", "m-infer-start-1", "m-lap-us-250",
                   "m-lap-us-1500", "e-[Inference failed: runtime status 7]"}));
  EXPECT_EQ(send("results"), Lines{"e-[No results: run 'infer' first]"});
}

TEST_F(MlperfDutTest, WithoutAModelInputAndInferenceAreRefused) {
  model_.ready = false;
  EXPECT_EQ(send("profile"), (Lines{"m-profile-[tinynas-test 1.0]", "m-model-[none]"}));
  EXPECT_EQ(send("db load 4"), Lines{"e-[No model is loaded: nothing to take input bytes]"});
  EXPECT_EQ(send("infer 1 1"), Lines{"e-[No model is loaded]"});
  EXPECT_EQ(send("db print"), Lines{"e-[No model is loaded: no input bytes]"});
}

TEST(MlperfLineReader, TerminatorCarriageReturnsAndOverlongLines) {
  LineReader reader;
  for (char c : std::string("na\r\nme")) EXPECT_EQ(reader.push(c), LineReader::Event::kNone);
  EXPECT_EQ(reader.push('%'), LineReader::Event::kCommand);
  EXPECT_STREQ(reader.command(), "name");
  for (size_t i = 0; i < kMaxCommand; ++i) reader.push('x');
  EXPECT_EQ(reader.push('%'), LineReader::Event::kCommand) << "exactly 80 characters are fine";
  for (size_t i = 0; i < 1000; ++i) reader.push('x');
  EXPECT_EQ(reader.push('%'), LineReader::Event::kOverlong);
  reader.push('a');
  EXPECT_EQ(reader.push('%'), LineReader::Event::kCommand);
  EXPECT_STREQ(reader.command(), "a");
}

TEST(MlperfTextLine, ScoresPrintLikePrintfWithThreeDecimals) {
  g_written.clear();
  TextLine(kPort)
      .fixed3(0.0f)
      .text(",")
      .fixed3(0.9996f)
      .text(",")
      .fixed3(-1.25f)
      .text(",")
      .fixed3(12.3456f)
      .text(",")
      .decimal(18446744073709551615ull)
      .send();
  EXPECT_EQ(g_written, "0.000,1.000,-1.250,12.346,18446744073709551615\r\n");
}

TEST(MlperfModelName, IsTheCrcInHex) {
  char name[kModelNameSize];
  crc_model_name(0x0123abcdu, name);
  EXPECT_STREQ(name, "tnm-0123abcd");
}

// ---- one line, two protocols ----------------------------------------------------------------

std::vector<uint8_t> g_frames;

class ProtocolSwitchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_written.clear();
    g_frames.clear();
  }

  void feed(const std::vector<uint8_t>& bytes) {
    for (uint8_t b : bytes) line_.on_byte(b);
  }
  void feed(const std::string& text) { feed(std::vector<uint8_t>(text.begin(), text.end())); }

  // A HELLO request frame; `sequence` '%' (0x25) makes the frame hold a '%' byte.
  static std::vector<uint8_t> hello_frame(uint8_t sequence) {
    const uint8_t payload[] = {static_cast<uint8_t>(p::Command::kHello), sequence};
    std::vector<uint8_t> frame(p::kMaxEncodedFrame);
    frame.resize(p::encode_frame(payload, sizeof(payload), frame.data(), frame.size()));
    return frame;
  }

  // The reply frames the server wrote: their headers.
  std::vector<p::ReplyHeader> replies() {
    std::vector<p::ReplyHeader> headers;
    p::FrameDecoder decoder;
    for (uint8_t b : g_frames) {
      if (decoder.push(b) != p::DecodeEvent::kFrame) continue;
      p::ByteReader in(decoder.payload(), decoder.payload_size());
      p::ReplyHeader header;
      EXPECT_TRUE(p::decode(in, header));
      headers.push_back(header);
    }
    return headers;
  }

  static const ServerPlatform kPlatform;
  FakeModel model_;
  ProtocolServer server_{ServerIdentity{BoardFacts{"fake-board", "cortex-m4", 25000000, 4096, 8192,
                                                   p::TimerKind::kSysTick, p::KernelPath::kDsp},
                                        "test-firmware 1.0", 0, 2048, 512},
                         kPlatform, ModelHooks{nullptr, [](void*) { return 0; }, nullptr, nullptr}};
  MlperfDut dut_{"tinynas fake-board", "tinynas-test 1.0", kPort, model_.th()};
  ProtocolSwitch line_{server_, dut_, SerialProtocol::kTinynas};
};

const ServerPlatform ProtocolSwitchTest::kPlatform{
    [](const uint8_t* data, size_t size) { g_frames.insert(g_frames.end(), data, data + size); },
    [] {}, [] { return uint64_t{0}; }, [] {}, [] { return 0u; }};

TEST_F(ProtocolSwitchTest, TinynasFramesPassThroughEvenWithPercentBytes) {
  feed(hello_frame(1));
  feed(hello_frame('%'));
  feed(hello_frame(' '));
  ASSERT_EQ(replies().size(), 3u);
  EXPECT_EQ(replies()[1].sequence, '%');
  EXPECT_EQ(line_.active(), SerialProtocol::kTinynas);
  EXPECT_TRUE(g_written.empty());
}

TEST_F(ProtocolSwitchTest, AnMlperfCommandSwitchesAndAZeroByteSwitchesBack) {
  feed("name%");
  EXPECT_EQ(line_.active(), SerialProtocol::kMlperfTiny);
  EXPECT_EQ(g_written, "m-name-dut-[tinynas fake-board]\r\nm-ready\r\n");
  EXPECT_TRUE(g_frames.empty());
  // A tinynas host resyncs with a 0x00, then its frame arrives whole.
  feed(std::vector<uint8_t>{0x00});
  feed(hello_frame(9));
  EXPECT_EQ(line_.active(), SerialProtocol::kTinynas);
  ASSERT_EQ(replies().size(), 1u);
  EXPECT_EQ(replies()[0].sequence, 9);
  // ... and MLPerf again, after a frame.
  g_written.clear();
  feed("\r\ntimestamp%");
  EXPECT_EQ(line_.active(), SerialProtocol::kMlperfTiny);
  EXPECT_EQ(lines_of(g_written).back(), "m-ready");
}

TEST_F(ProtocolSwitchTest, ALonePercentIsAnEmptyCommand) {
  feed("%");
  EXPECT_EQ(line_.active(), SerialProtocol::kMlperfTiny);
  EXPECT_EQ(g_written, "m-ready\r\n");
}

TEST_F(ProtocolSwitchTest, AnOverlongCommandInTinynasModeIsReportedAfterTheSwitch) {
  feed(std::string(500, 'x') + "%");
  EXPECT_EQ(line_.active(), SerialProtocol::kMlperfTiny);
  EXPECT_EQ(g_written, "e-[Command longer than 80 characters]\r\nm-ready\r\n");
  EXPECT_TRUE(g_frames.empty());
}

TEST_F(ProtocolSwitchTest, ALinkThatStartsInMlperfModeStillServesFrames) {
  ProtocolSwitch line(server_, dut_, SerialProtocol::kMlperfTiny);
  for (uint8_t b : hello_frame(3)) line.on_byte(b);
  EXPECT_EQ(line.active(), SerialProtocol::kTinynas);
  ASSERT_EQ(replies().size(), 1u) << "a frame's first bytes are text only up to its command byte";
}

}  // namespace
}  // namespace tinynas::firmware::mlperf_tiny
