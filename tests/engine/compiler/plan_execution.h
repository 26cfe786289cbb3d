// Test helper: runs a written model on the host interpreter over poisoned arena and scratch
// buffers (two patterns, so every written byte differs from one of them) and reports the output
// and the highest byte the run touched, so that tests can check a plan by running it; and plans
// a graph under the options the schedule tests vary.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "engine/runtime/interpreter.h"

namespace tinynas::compiler::testing {

// The plan of `graph` under `schedule` with the given patch split, in-place depthwise and scratch
// placement.
inline MemoryPlan plan_with(const Graph& graph, Schedule schedule, PatchConfig patch = {},
                            bool in_place = true, bool scratch_in_arena = false) {
  PlannerOptions options;
  options.schedule = schedule;
  options.patch = patch;
  options.in_place_depthwise = in_place;
  options.scratch_in_arena = scratch_in_arena;
  return plan_memory(graph, options);
}

inline constexpr uint8_t kPoisons[] = {0xA5, 0x5A};
inline constexpr size_t kGuardBytes = 64;  // poisoned bytes past the planned arena / scratch

struct Execution {
  std::vector<int8_t> output;
  int64_t highest_arena_byte_written = -1;
  int64_t highest_scratch_byte_written = -1;
};

inline int64_t highest_changed(const std::vector<uint8_t>& bytes, uint8_t poison) {
  for (size_t i = bytes.size(); i > 0; --i) {
    if (bytes[i - 1] != poison) return static_cast<int64_t>(i) - 1;
  }
  return -1;
}

// Runs the model once per poison pattern; the output must not depend on the poison.
inline Execution execute(const LoadedModel& model, const std::vector<int8_t>& input) {
  const runtime::ModelView& view = model.view();
  Execution execution;
  for (uint8_t poison : kPoisons) {
    std::vector<uint8_t> arena(view.arena_size() + kGuardBytes, poison);
    std::vector<uint8_t> scratch(view.scratch_size() + kGuardBytes, poison);
    runtime::Interpreter interpreter;
    EXPECT_EQ(interpreter.init(view, arena.data(), static_cast<uint32_t>(arena.size()),
                               scratch.data(), static_cast<uint32_t>(scratch.size())),
              runtime::Status::kOk);
    EXPECT_EQ(interpreter.input_info().size_bytes, input.size());
    std::memcpy(interpreter.input(), input.data(), input.size());
    EXPECT_EQ(interpreter.invoke(), runtime::Status::kOk);
    const std::vector<int8_t> output(interpreter.output(),
                                     interpreter.output() + interpreter.output_info().size_bytes);
    if (execution.output.empty()) {
      execution.output = output;
    } else {
      EXPECT_EQ(output, execution.output) << "the output depends on uninitialised bytes";
    }
    execution.highest_arena_byte_written =
        std::max(execution.highest_arena_byte_written, highest_changed(arena, poison));
    execution.highest_scratch_byte_written =
        std::max(execution.highest_scratch_byte_written, highest_changed(scratch, poison));
  }
  return execution;
}

inline std::vector<int8_t> random_input(const Graph& graph, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> input(static_cast<size_t>(graph.tensors[graph.input].bytes()));
  for (int8_t& value : input) value = static_cast<int8_t>(rng() & 0xFF);
  return input;
}

// Writes, loads and runs `plan`; checks the run stays inside its arena and scratch. Returns the
// output.
inline std::vector<int8_t> run_plan(const Graph& graph, const MemoryPlan& plan,
                                    const std::vector<int8_t>& input, const std::string& label) {
  const LoadedModel model(write_model(graph, plan), label);
  const Execution execution = execute(model, input);
  EXPECT_LE(execution.highest_arena_byte_written, plan.arena_bytes - 1) << label;
  EXPECT_LT(execution.highest_scratch_byte_written, plan.scratch_bytes) << label;
  return execution.output;
}

}  // namespace tinynas::compiler::testing
