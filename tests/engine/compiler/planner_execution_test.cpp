// The memory plan, checked by running it: random networks are built with random weights,
// written to .tnm, and run by the host interpreter on a poisoned arena. The bytes the run changed
// show the highest address the kernels touched; comparing in-place and out-of-place plans shows
// that in-place depthwise never overwrites a value that is still needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/net_config_import.h"
#include "engine/runtime/interpreter.h"
#include "tests/engine/compiler/plan_execution.h"
#include "tests/engine/compiler/random_network.h"

namespace tinynas::compiler {
namespace {

using testing::execute;
using testing::Execution;
using testing::random_input;

// Plans, writes, loads and runs `graph` with and without in-place depthwise and checks both
// executions against their plans and against each other. Returns the output.
std::vector<int8_t> check_execution(const Graph& graph, uint32_t input_seed,
                                    const std::string& label) {
  const std::vector<int8_t> input = random_input(graph, input_seed);
  std::vector<int8_t> outputs[2];
  for (bool in_place : {true, false}) {
    PlannerOptions options;
    options.in_place_depthwise = in_place;
    const MemoryPlan plan = plan_memory(graph, options);
    const LoadedModel model(write_model(graph, plan), label);
    const Execution execution = execute(model, input);
    // Nothing beyond the planned arena is touched, and its last byte is (the peak tensor).
    EXPECT_EQ(execution.highest_arena_byte_written, plan.arena_bytes - 1)
        << label << " in_place=" << in_place;
    EXPECT_LT(execution.highest_scratch_byte_written, plan.scratch_bytes)
        << label << " in_place=" << in_place;
    outputs[in_place ? 1 : 0] = execution.output;
  }
  EXPECT_EQ(outputs[1], outputs[0]) << label << ": the in-place plan changed the result";
  return outputs[1];
}

TEST(PlannerExecution, RandomNetworksRunInsideTheirPlan) {
  std::mt19937 rng(4242);
  testing::RandomSpecLimits limits;
  limits.max_resolution = 24;
  limits.max_channels = 16;
  limits.max_blocks = 5;
  limits.max_expand_ratio = 4;
  for (int trial = 0; trial < 40; ++trial) {
    const NetworkSpec spec = testing::random_network_spec(rng, limits);
    BuildOptions options;
    options.seed = static_cast<uint32_t>(trial);
    check_execution(build_graph(spec, options), static_cast<uint32_t>(trial),
                    "random network " + std::to_string(trial));
    if (HasFailure()) FAIL() << arch_to_json(spec).dump();
  }
}

TEST(PlannerExecution, SampleNetworkRunsInsideItsPlan) {
  const NetworkSpec spec =
      load_arch_file(std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/sample-fmnist.arch.json");
  check_execution(build_graph(spec), 1, "sample-fmnist");
}

TEST(PlannerExecution, McunetIn3RunsInsideItsPlan) {
  // 81.8M MACs on the reference kernels, four runs (two plans x two poisons): well under a
  // second on a host.
  const Graph graph = build_graph(
      load_net_config(std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/mcunet-in3.json"));
  EXPECT_EQ(plan_memory(graph).arena_bytes, 247808);
  const std::vector<int8_t> output = check_execution(graph, 7, "mcunet-in3");
  // Random weights with fan-in-scaled quantization: the logits spread over the int8 range
  // instead of saturating.
  int saturated = 0;
  for (int8_t value : output) saturated += (value == -128 || value == 127) ? 1 : 0;
  std::vector<int8_t> distinct = output;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  EXPECT_LT(saturated, static_cast<int>(output.size()) / 10);
  EXPECT_GE(distinct.size(), 32u);
}

}  // namespace
}  // namespace tinynas::compiler
