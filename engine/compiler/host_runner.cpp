#include "engine/compiler/host_runner.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "engine/runtime/input_pattern.h"
#include "engine/runtime/interpreter.h"

namespace tinynas::compiler {

namespace {

using Clock = std::chrono::steady_clock;

struct OpTimer {
  std::vector<double>* op_seconds;
  Clock::time_point started;
};

void on_op_begin(void* context, uint16_t) {
  static_cast<OpTimer*>(context)->started = Clock::now();
}

void on_op_end(void* context, uint16_t op) {
  auto* timer = static_cast<OpTimer*>(context);
  const double seconds = std::chrono::duration<double>(Clock::now() - timer->started).count();
  double& best = (*timer->op_seconds)[op];
  best = std::min(best, seconds);
}

}  // namespace

void fill_pseudo_random(int8_t* input, uint32_t size, uint32_t seed) {
  runtime::fill_pseudo_random_s8(input, size, seed);
}

HostRunResult run_on_host(const LoadedModel& model, const HostRunOptions& options) {
  const runtime::ModelView& view = model.view();
  if (options.iterations < 1) {
    throw std::runtime_error(model.origin() + ": iterations must be >= 1, got " +
                             std::to_string(options.iterations));
  }
  std::vector<uint8_t> arena(std::max<uint32_t>(view.arena_size(), 1));
  std::vector<uint8_t> scratch(std::max<uint32_t>(view.scratch_size(), 1));
  runtime::Interpreter interpreter;
  runtime::Status status =
      interpreter.init(view, arena.data(), view.arena_size(), scratch.data(), view.scratch_size());
  if (status != runtime::Status::kOk) {
    throw std::runtime_error(model.origin() +
                             ": interpreter refused the model: " + runtime::status_message(status));
  }
  const uint32_t input_size = interpreter.input_info().size_bytes;
  std::vector<int8_t> input(input_size, 0);
  switch (options.pattern) {
    case InputPattern::kZeros:
      break;
    case InputPattern::kPseudoRandom:
      fill_pseudo_random(input.data(), input_size, options.seed);
      break;
    case InputPattern::kBytes:
      if (options.input.size() != input_size) {
        throw std::runtime_error(
            model.origin() + ": input has " + std::to_string(options.input.size()) +
            " bytes, the model's input tensor has " + std::to_string(input_size));
      }
      input = options.input;
      break;
  }

  HostRunResult result;
  result.op_seconds.assign(view.op_count(), std::numeric_limits<double>::infinity());
  OpTimer timer{&result.op_seconds, {}};
  const runtime::OpObserver observer{on_op_begin, on_op_end, &timer};
  for (int i = 0; i < options.iterations; ++i) {
    // An in-place first op may overwrite the input, so it is refilled before every run.
    std::memcpy(interpreter.input(), input.data(), input_size);
    status = interpreter.invoke(&observer);
    if (status != runtime::Status::kOk) {
      throw std::runtime_error(model.origin() + ": run failed: " + runtime::status_message(status));
    }
  }
  const uint32_t output_size = interpreter.output_info().size_bytes;
  result.output.assign(interpreter.output(), interpreter.output() + output_size);
  for (double seconds : result.op_seconds) result.total_seconds += seconds;
  result.arena_bytes = view.arena_size();
  result.scratch_bytes = view.scratch_size();
  return result;
}

}  // namespace tinynas::compiler
