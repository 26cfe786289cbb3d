#include "engine/runtime/interpreter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/compiler/model_writer.h"
#include "tests/engine/compiler/model_test_graphs.h"

namespace tinynas::runtime {
namespace {

using compiler::testing::make_sequential_plan;
using compiler::testing::make_test_graph;
using compiler::testing::random_input;
using compiler::testing::run_reference;
using compiler::testing::TestGraphOptions;

// A written model with everything needed to run it.
struct Loaded {
  compiler::Graph graph;
  std::vector<uint8_t> bytes;
  ModelView view;
  std::vector<uint8_t> arena;
  std::vector<uint8_t> scratch;
};

Loaded load(const TestGraphOptions& options) {
  Loaded m;
  m.graph = make_test_graph(options);
  m.bytes =
      compiler::write_model(m.graph, make_sequential_plan(m.graph, options.in_place_depthwise));
  EXPECT_EQ(validate_model(m.bytes.data(), static_cast<uint32_t>(m.bytes.size()), &m.view, nullptr),
            Status::kOk);
  m.arena.assign(m.view.arena_size(), 0);
  m.scratch.assign(m.view.scratch_size() + 1, 0);  // +1: a valid pointer even when 0 is needed
  return m;
}

std::vector<int8_t> run(Interpreter& interpreter, const std::vector<int8_t>& input) {
  std::memcpy(interpreter.input(), input.data(), input.size());
  EXPECT_EQ(interpreter.invoke(), Status::kOk);
  const TensorInfo out = interpreter.output_info();
  return std::vector<int8_t>(interpreter.output(), interpreter.output() + out.size_bytes);
}

// The interpreter (planned arena, 1x1 and in-place kernels) computes exactly what the general
// kernels compute on separate buffers.
TEST(InterpreterTest, MatchesTheDirectKernelComposition) {
  for (bool in_place : {false, true}) {
    for (int stride : {1, 2}) {
      for (bool bias : {false, true}) {
        for (uint32_t seed : {1u, 2u, 3u}) {
          TestGraphOptions options;
          options.in_place_depthwise = in_place;
          options.depthwise_stride = stride;
          options.with_bias = bias;
          options.seed = seed;
          Loaded m = load(options);
          Interpreter interpreter;
          ASSERT_EQ(interpreter.init(m.view, m.arena.data(), m.view.arena_size(), m.scratch.data(),
                                     m.view.scratch_size()),
                    Status::kOk);
          for (uint32_t input_seed = 1; input_seed <= 4; ++input_seed) {
            const std::vector<int8_t> input =
                random_input(m.graph.tensors[m.graph.input].bytes(), input_seed * 97 + seed);
            const std::vector<int8_t> expected = run_reference(m.graph, input);
            EXPECT_EQ(run(interpreter, input), expected)
                << "in_place " << in_place << " stride " << stride << " bias " << bias << " seed "
                << seed << " input " << input_seed;
          }
        }
      }
    }
  }
}

TEST(InterpreterTest, LargerInputAndOutputsThatAreNotSaturated) {
  TestGraphOptions options;
  options.input_size = 16;
  options.in_place_depthwise = true;
  Loaded m = load(options);
  Interpreter interpreter;
  ASSERT_EQ(interpreter.init(m.view, m.arena.data(), m.view.arena_size(), m.scratch.data(),
                             m.view.scratch_size()),
            Status::kOk);
  const std::vector<int8_t> input = random_input(16 * 16 * 3, 5);
  const std::vector<int8_t> output = run(interpreter, input);
  EXPECT_EQ(output, run_reference(m.graph, input));
  int distinct = 0;
  for (size_t i = 1; i < output.size(); ++i) distinct += output[i] != output[0];
  EXPECT_GT(distinct, 0) << "the test graph's output should depend on the channel";
}

TEST(InterpreterTest, ReportsInputAndOutputTensors) {
  Loaded m = load({});
  Interpreter interpreter;
  EXPECT_EQ(interpreter.input(), nullptr);
  EXPECT_EQ(interpreter.output(), nullptr);
  EXPECT_FALSE(interpreter.initialized());
  ASSERT_EQ(interpreter.init(m.view, m.arena.data(), m.view.arena_size(), m.scratch.data(),
                             m.view.scratch_size()),
            Status::kOk);
  EXPECT_TRUE(interpreter.initialized());
  const TensorInfo in = interpreter.input_info();
  EXPECT_EQ(in.shape.h, 8);
  EXPECT_EQ(in.shape.w, 8);
  EXPECT_EQ(in.shape.c, 3);
  EXPECT_EQ(in.size_bytes, 192u);
  EXPECT_EQ(in.zero_point, -3);
  EXPECT_FLOAT_EQ(in.scale, 0.05f);
  const TensorInfo out = interpreter.output_info();
  EXPECT_EQ(out.shape.c, 10);
  EXPECT_EQ(out.zero_point, 7);
  EXPECT_FLOAT_EQ(out.scale, 0.1f);
  EXPECT_EQ(reinterpret_cast<uint8_t*>(interpreter.input()),
            m.arena.data() + m.view.tensor(m.view.input_tensor()).offset);
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(interpreter.output()),
            m.arena.data() + m.view.tensor(m.view.output_tensor()).offset);
}

struct ObserverLog {
  std::vector<int> events;  // +op at begin, -(op + 1) at end
};

TEST(InterpreterTest, ObserverWrapsEveryOpInOrder) {
  Loaded m = load({});
  Interpreter interpreter;
  ASSERT_EQ(interpreter.init(m.view, m.arena.data(), m.view.arena_size(), m.scratch.data(),
                             m.view.scratch_size()),
            Status::kOk);
  ObserverLog log;
  const OpObserver observer{
      [](void* ctx, uint16_t op) { static_cast<ObserverLog*>(ctx)->events.push_back(op); },
      [](void* ctx, uint16_t op) { static_cast<ObserverLog*>(ctx)->events.push_back(-(op + 1)); },
      &log};
  ASSERT_EQ(interpreter.invoke(&observer), Status::kOk);
  std::vector<int> expected;
  for (int op = 0; op < m.view.op_count(); ++op) {
    expected.push_back(op);
    expected.push_back(-(op + 1));
  }
  EXPECT_EQ(log.events, expected);

  // Either callback may be missing.
  ObserverLog begins;
  const OpObserver begin_only{
      [](void* ctx, uint16_t op) { static_cast<ObserverLog*>(ctx)->events.push_back(op); }, nullptr,
      &begins};
  ASSERT_EQ(interpreter.invoke(&begin_only), Status::kOk);
  EXPECT_EQ(begins.events.size(), m.view.op_count());
}

TEST(InterpreterTest, InitChecksTheCallersMemory) {
  Loaded m = load({/*in_place_depthwise=*/true});
  ASSERT_GT(m.view.scratch_size(), 0u);
  Interpreter interpreter;
  EXPECT_EQ(interpreter.init(ModelView(), m.arena.data(), m.view.arena_size(), m.scratch.data(),
                             m.view.scratch_size()),
            Status::kNullArgument);
  EXPECT_EQ(interpreter.init(m.view, nullptr, m.view.arena_size(), m.scratch.data(),
                             m.view.scratch_size()),
            Status::kNullArgument);
  EXPECT_EQ(interpreter.init(m.view, m.arena.data(), m.view.arena_size() - 1, m.scratch.data(),
                             m.view.scratch_size()),
            Status::kArenaTooSmall);
  EXPECT_EQ(interpreter.init(m.view, m.arena.data(), m.view.arena_size(), m.scratch.data(),
                             m.view.scratch_size() - 1),
            Status::kScratchTooSmall);
  EXPECT_EQ(
      interpreter.init(m.view, m.arena.data(), m.view.arena_size(), nullptr, m.view.scratch_size()),
      Status::kNullArgument);
  EXPECT_FALSE(interpreter.initialized());
  EXPECT_EQ(interpreter.invoke(), Status::kNotInitialized);
  // A larger arena and scratch are fine.
  std::vector<uint8_t> big_arena(m.view.arena_size() + 100);
  EXPECT_EQ(interpreter.init(m.view, big_arena.data(), static_cast<uint32_t>(big_arena.size()),
                             m.scratch.data(), static_cast<uint32_t>(m.scratch.size())),
            Status::kOk);
}

TEST(InterpreterTest, ModelsWithoutScratchAcceptANullScratchBuffer) {
  Loaded m = load({});
  ASSERT_EQ(m.view.scratch_size(), 0u);
  Interpreter interpreter;
  ASSERT_EQ(interpreter.init(m.view, m.arena.data(), m.view.arena_size(), nullptr, 0), Status::kOk);
  const std::vector<int8_t> input = random_input(192, 9);
  EXPECT_EQ(run(interpreter, input), run_reference(m.graph, input));
}

TEST(InterpreterTest, RepeatedInvokesGiveTheSameOutput) {
  Loaded m = load({/*in_place_depthwise=*/true});
  Interpreter interpreter;
  ASSERT_EQ(interpreter.init(m.view, m.arena.data(), m.view.arena_size(), m.scratch.data(),
                             m.view.scratch_size()),
            Status::kOk);
  const std::vector<int8_t> input = random_input(192, 4);
  const std::vector<int8_t> first = run(interpreter, input);
  EXPECT_EQ(run(interpreter, input), first);
}

}  // namespace
}  // namespace tinynas::runtime
