// Boots the cross-built runner images under QEMU and checks the firmware end to end: HELLO
// facts equal configs/boards/<kind>.json, a model uploads, validates and runs with output bit
// for bit equal to the host engine, cycle counts repeat exactly, measured arena equals the plan,
// and protocol faults get error replies after which the runner keeps serving. Skipped when the
// images were not built (no arm-none-eabi-gcc) or qemu-system-arm is missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/json_file.h"
#include "engine/compiler/graph.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/host_runner.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "engine/runtime/crc32.h"
#include "tests/firmware/qemu_board_link.h"

#ifndef TINYNAS_FIRMWARE_DIR
#define TINYNAS_FIRMWARE_DIR ""
#endif

namespace tinynas::firmware {
namespace {

namespace p = protocol;
using testing::decode_body;
using testing::encode_body;
using testing::QemuBoardLink;
using testing::Reply;

struct BoardUnderTest {
  std::string kind;
  nlohmann::json facts;
  std::string elf;
};

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

std::string qemu_of(const BoardUnderTest& b) {
  return b.facts["emulator"].value("qemu", std::string("qemu-system-arm"));
}

bool qemu_available(const BoardUnderTest& b) {
  return std::system((qemu_of(b) + " --version > /dev/null 2>&1").c_str()) == 0;
}

BoardUnderTest board(const std::string& kind) {
  BoardUnderTest b;
  b.kind = kind;
  b.facts =
      config::read_json_file(std::string(TINYNAS_SOURCE_DIR) + "/configs/boards/" + kind + ".json");
  b.elf = std::string(TINYNAS_FIRMWARE_DIR) + "/" + kind + "/tinynas-runner.elf";
  return b;
}

#define SKIP_WITHOUT_IMAGE(b)                                                    \
  if (!file_exists((b).elf) || !qemu_available(b)) {                             \
    GTEST_SKIP() << "no runner image at " << (b).elf << " or no " << qemu_of(b); \
  }

std::unique_ptr<QemuBoardLink> boot(const BoardUnderTest& b) {
  const nlohmann::json& emulator = b.facts["emulator"];
  return std::make_unique<QemuBoardLink>(b.elf, qemu_of(b), emulator["machine"].get<std::string>(),
                                         emulator["icount_shift"].get<int>(),
                                         emulator.value("extra_args", std::vector<std::string>{}));
}

// input 11x11xCin -> pointwise -> depthwise 3x3 -> pointwise: the two kernels the DSP path
// replaces, with channel counts that exercise the 4-wide main loops and their remainders.
std::vector<uint8_t> pointwise_depthwise_model(int input_c, int hidden_c, int output_c) {
  using namespace compiler;
  Graph graph;
  auto activation = [&](const char* name, TensorShape shape) {
    Tensor t;
    t.name = name;
    t.shape = shape;
    return graph.add_tensor(t);
  };
  auto weights = [&](const char* name, TensorShape shape, int out_channels) {
    Tensor t;
    t.name = name;
    t.shape = shape;
    t.is_constant = true;
    t.channel_scales.assign(out_channels, 1.0f);
    t.data.assign(static_cast<size_t>(shape.elements()), 0);
    return graph.add_tensor(t);
  };
  constexpr int kSide = 11;  // odd pixel count: exercises the single-pixel remainder
  graph.input = activation("input", {1, kSide, kSide, input_c});
  auto conv = [&](OpKind kind, const char* name, int in, int out_c, int kernel, Activation act) {
    Op op;
    op.kind = kind;
    op.name = name;
    op.inputs = {in};
    const TensorShape in_shape = graph.tensors[in].shape;
    op.weights = kind == OpKind::kDepthwiseConv2d
                     ? weights("w", {1, kernel, kernel, in_shape.c}, out_c)
                     : weights("w", {out_c, kernel, kernel, in_shape.c}, out_c);
    op.bias.assign(out_c, 0);
    op.output = activation(name, {1, kSide, kSide, out_c});
    op.kernel_h = op.kernel_w = kernel;
    op.pad_top = op.pad_left = op.pad_bottom = op.pad_right = kernel / 2;
    op.activation = act;
    op.allow_in_place = false;
    graph.add_op(op);
    return graph.ops.back().output;
  };
  int t = conv(OpKind::kConv2d, "expand", graph.input, hidden_c, 1, Activation::kRelu6);
  t = conv(OpKind::kDepthwiseConv2d, "depthwise", t, hidden_c, 3, Activation::kRelu6);
  graph.output = conv(OpKind::kConv2d, "project", t, output_c, 1, Activation::kNone);
  fill_random_weights(graph, 7);
  PlannerOptions options;
  options.in_place_depthwise = false;
  return write_model(graph, plan_memory(graph, options));
}

Reply upload(QemuBoardLink& link, const std::vector<uint8_t>& model) {
  Reply r = link.request(p::Command::kLoadBegin,
                         encode_body(p::LoadBeginRequest{static_cast<uint32_t>(model.size())}));
  EXPECT_EQ(r.header.status, p::ReplyStatus::kOk);
  for (size_t offset = 0; offset < model.size(); offset += p::kMaxChunk) {
    const size_t size = std::min(p::kMaxChunk, model.size() - offset);
    r = link.request(p::Command::kLoadChunk,
                     encode_body(p::LoadChunkRequest{static_cast<uint32_t>(offset),
                                                     model.data() + offset, size}));
    EXPECT_EQ(r.header.status, p::ReplyStatus::kOk) << p::reply_status_name(r.header.status);
  }
  return link.request(p::Command::kLoadEnd,
                      encode_body(p::LoadEndRequest{runtime::crc32(model.data(), model.size())}));
}

p::RunReply run(QemuBoardLink& link, uint32_t iterations, uint32_t seed) {
  const Reply r = link.request(
      p::Command::kRun, encode_body(p::RunRequest{iterations, p::InputMode::kPseudoRandom, seed}));
  EXPECT_EQ(r.header.status, p::ReplyStatus::kOk) << p::reply_status_name(r.header.status);
  p::RunReply reply;
  EXPECT_TRUE(decode_body(r, reply));
  return reply;
}

std::vector<uint8_t> read_output(QemuBoardLink& link, uint32_t size) {
  std::vector<uint8_t> output;
  while (output.size() < size) {
    const uint16_t length =
        static_cast<uint16_t>(std::min<size_t>(p::kMaxOutputChunk, size - output.size()));
    const Reply r =
        link.request(p::Command::kOutput,
                     encode_body(p::OutputRequest{static_cast<uint32_t>(output.size()), length}));
    p::OutputReply chunk;
    if (r.header.status != p::ReplyStatus::kOk || !decode_body(r, chunk)) break;
    output.insert(output.end(), chunk.data, chunk.data + chunk.size);
  }
  return output;
}

class QemuRunner : public ::testing::TestWithParam<const char*> {};

TEST_P(QemuRunner, HelloReportsTheBoardFileFacts) {
  const BoardUnderTest b = board(GetParam());
  SKIP_WITHOUT_IMAGE(b);
  auto link = boot(b);
  const Reply r = link->request(p::Command::kHello, {});
  ASSERT_EQ(r.header.status, p::ReplyStatus::kOk);
  p::HelloReply hello;
  ASSERT_TRUE(decode_body(r, hello));
  EXPECT_EQ(hello.protocol_version, p::kProtocolVersion);
  EXPECT_EQ(std::string(hello.board.data, hello.board.size), b.kind);
  EXPECT_EQ(std::string(hello.core.data, hello.core.size), b.facts["core"].get<std::string>());
  EXPECT_EQ(hello.clock_hz, b.facts["clock_hz"].get<uint32_t>());
  EXPECT_EQ(hello.sram_bytes, b.facts["sram_bytes"].get<uint32_t>());
  EXPECT_EQ(hello.flash_bytes, b.facts["flash_bytes"].get<uint32_t>());
  EXPECT_EQ(hello.model_region_bytes, b.facts["model_region_bytes"].get<uint32_t>());
  EXPECT_EQ(hello.arena_capacity_bytes, b.facts["arena_capacity_bytes"].get<uint32_t>());
  const char* const kernel_path_names[] = {"plain", "dsp", "mve"};  // by p::KernelPath
  ASSERT_LT(static_cast<size_t>(hello.kernel_path), std::size(kernel_path_names));
  EXPECT_EQ(kernel_path_names[static_cast<size_t>(hello.kernel_path)],
            b.facts["kernels"].get<std::string>());
  std::printf("[ HELLO    ] %s: %.*s, %.*s @ %u Hz\n", b.kind.c_str(),
              static_cast<int>(hello.firmware_version.size), hello.firmware_version.data,
              static_cast<int>(hello.core.size), hello.core.data, hello.clock_hz);
}

TEST_P(QemuRunner, RunsAModelBitExactWithRepeatableCyclesAndPlannedArena) {
  const BoardUnderTest b = board(GetParam());
  SKIP_WITHOUT_IMAGE(b);
  const std::vector<uint8_t> model = pointwise_depthwise_model(13, 38, 11);
  auto link = boot(b);
  const Reply loaded = upload(*link, model);
  ASSERT_EQ(loaded.header.status, p::ReplyStatus::kOk)
      << p::reply_status_name(loaded.header.status);
  p::LoadEndReply load;
  ASSERT_TRUE(decode_body(loaded, load));

  constexpr uint32_t kSeed = 42;
  const p::RunReply first = run(*link, 2, kSeed);
  const p::RunReply second = run(*link, 1, kSeed);
  EXPECT_EQ(first.last_cycles, second.last_cycles) << "cycle counts must be deterministic";
  EXPECT_EQ(first.min_cycles, first.max_cycles);
  EXPECT_EQ(first.arena_bytes_used, load.arena_bytes);
  EXPECT_GT(first.stack_bytes_used, 0u);

  compiler::HostRunOptions options;
  options.pattern = compiler::InputPattern::kPseudoRandom;
  options.seed = kSeed;
  const compiler::LoadedModel host_model(model, "pointwise-depthwise");
  const compiler::HostRunResult host = compiler::run_on_host(host_model, options);
  const std::vector<uint8_t> board_output = read_output(*link, first.output_bytes);
  ASSERT_EQ(board_output.size(), host.output.size());
  EXPECT_EQ(0, std::memcmp(board_output.data(), host.output.data(), host.output.size()));
  EXPECT_EQ(first.output_crc32, runtime::crc32(reinterpret_cast<const uint8_t*>(host.output.data()),
                                               host.output.size()));

  const Reply per_op = link->request(p::Command::kPerOp, encode_body(p::PerOpRequest{0, 3}));
  p::PerOpReply ops;
  ASSERT_TRUE(decode_body(per_op, ops));
  uint64_t op_sum = 0;
  for (uint16_t i = 0; i < ops.count; ++i) op_sum += ops.cycles_at(i);
  EXPECT_LE(op_sum, first.last_cycles);
  std::printf("[ CYCLES   ] %s: %u cycles/iteration (ops %u %u %u), arena %u, stack %u\n",
              b.kind.c_str(), first.last_cycles, ops.cycles_at(0), ops.cycles_at(1),
              ops.cycles_at(2), first.arena_bytes_used, first.stack_bytes_used);
}

TEST_P(QemuRunner, FaultsGetErrorRepliesAndTheRunnerKeepsServing) {
  const BoardUnderTest b = board(GetParam());
  SKIP_WITHOUT_IMAGE(b);
  auto link = boot(b);
  // A corrupted frame: bad CRC -> kBadFrame with the untrusted sequence.
  link->send_raw({0x05, 0x01, 0x07, 0x33, 0x44, 0x00});
  Reply r = link->receive();
  EXPECT_EQ(r.header.status, p::ReplyStatus::kBadFrame);
  EXPECT_EQ(r.header.sequence, p::kUntrustedSequence);
  // Truncated upload: LOAD_END before all bytes.
  std::vector<uint8_t> model = pointwise_depthwise_model(8, 16, 8);
  r = link->request(p::Command::kLoadBegin,
                    encode_body(p::LoadBeginRequest{static_cast<uint32_t>(model.size())}));
  ASSERT_EQ(r.header.status, p::ReplyStatus::kOk);
  r = link->request(p::Command::kLoadChunk,
                    encode_body(p::LoadChunkRequest{0, model.data(), p::kMaxChunk}));
  ASSERT_EQ(r.header.status, p::ReplyStatus::kOk);
  r = link->request(p::Command::kLoadChunk,
                    encode_body(p::LoadChunkRequest{4, model.data(), 16}));  // overlap
  EXPECT_EQ(r.header.status, p::ReplyStatus::kChunkOutOfOrder);
  r = link->request(p::Command::kLoadEnd, encode_body(p::LoadEndRequest{0}));
  EXPECT_EQ(r.header.status, p::ReplyStatus::kIncompleteModel);
  r = link->request(p::Command::kRun, encode_body(p::RunRequest{1, p::InputMode::kZeros, 0}));
  EXPECT_EQ(r.header.status, p::ReplyStatus::kNoModel);
  // A model that fails validation (a corrupted tensor record, CRC fixed up): kInvalidModel.
  std::vector<uint8_t> bad = model;
  bad[runtime::kHeaderSize + runtime::tensor_record::kDType] = 0x7F;
  const uint32_t body_crc =
      runtime::crc32(bad.data() + runtime::kHeaderSize, bad.size() - runtime::kHeaderSize);
  for (int i = 0; i < 4; ++i)
    bad[runtime::header::kCrc32 + i] = static_cast<uint8_t>(body_crc >> (8 * i));
  r = upload(*link, bad);
  EXPECT_EQ(r.header.status, p::ReplyStatus::kInvalidModel);
  p::ErrorReply error;
  ASSERT_TRUE(decode_body(r, error));
  EXPECT_EQ(error.detail, static_cast<uint8_t>(runtime::ModelSection::kTensorTable));
  // Unknown command, then the good model still loads and runs.
  r = link->request(static_cast<p::Command>(0x42), {});
  EXPECT_EQ(r.header.status, p::ReplyStatus::kUnknownCommand);
  r = upload(*link, model);
  EXPECT_EQ(r.header.status, p::ReplyStatus::kOk);
  EXPECT_EQ(run(*link, 1, 1).iterations, 1u);
  r = link->request(p::Command::kReset, {});
  EXPECT_EQ(r.header.status, p::ReplyStatus::kOk);
  r = link->request(p::Command::kOutput, encode_body(p::OutputRequest{0, 1}));
  EXPECT_EQ(r.header.status, p::ReplyStatus::kNoModel);
}

std::string board_test_name(const ::testing::TestParamInfo<const char*>& param) {
  std::string name = param.param;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Boards, QemuRunner,
                         ::testing::Values("qemu-mps2-an386", "qemu-mps2-an386-plain",
                                           "qemu-mps2-an500", "qemu-netduinoplus2",
                                           "qemu-mps2-an385",    // Cortex-M3
                                           "qemu-mps2-an505",    // Cortex-M33
                                           "qemu-riscv32-virt",  // RV32IMAC
                                           "qemu-mps3-an547"),   // Cortex-M55
                         board_test_name);

}  // namespace
}  // namespace tinynas::firmware
