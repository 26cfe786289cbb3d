#include "tests/fuzz/model_fuzz_target.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "engine/runtime/crc32.h"
#include "engine/runtime/interpreter.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/model_reader.h"
#include "engine/runtime/training_executor.h"

namespace tinynas::fuzz {
namespace {

using runtime::Status;

// An exactly sized copy (so ASan sees any read past the end), 4-byte aligned as the runtime
// needs: operator new[] returns memory aligned for any fundamental type.
struct AlignedBytes {
  AlignedBytes(const uint8_t* data, size_t length) : storage(new uint8_t[length > 0 ? length : 1]) {
    if (length > 0) std::memcpy(storage.get(), data, length);
  }
  uint8_t* bytes() { return storage.get(); }
  std::unique_ptr<uint8_t[]> storage;
};

bool run_model(const runtime::ModelView& view) {
  if (view.arena_size() > kMaxFuzzArenaBytes || view.scratch_size() > kMaxFuzzArenaBytes) {
    return false;
  }
  // Exactly the declared sizes, so any access outside the plan is an ASan finding.
  std::vector<uint8_t> arena(view.arena_size());
  std::vector<uint8_t> scratch(view.scratch_size());
  runtime::Interpreter interpreter;
  if (interpreter.init(view, arena.data(), view.arena_size(), scratch.data(),
                       view.scratch_size()) != Status::kOk) {
    std::abort();  // validated, yet refused: the validator and the interpreter disagree
  }
  std::memset(interpreter.input(), 0x5A, interpreter.input_info().size_bytes);
  if (interpreter.invoke() != Status::kOk) std::abort();
  return true;
}

// One training step on arenas of exactly the declared sizes, when the section is valid.
bool train_model(const runtime::ModelView& view) {
  if ((view.flags() & runtime::kModelFlagTraining) == 0) return false;
  if (view.arena_size() > kMaxFuzzArenaBytes || view.scratch_size() > kMaxFuzzArenaBytes) {
    return false;
  }
  runtime::TrainingView training;
  if (runtime::validate_training(view, &training, nullptr) != Status::kOk) return false;
  std::vector<uint8_t> arena(view.arena_size());
  std::vector<uint8_t> scratch(view.scratch_size());
  runtime::TrainingExecutor executor;
  if (executor.init(view, training, arena.data(), view.arena_size(), scratch.data(),
                    view.scratch_size()) != Status::kOk) {
    std::abort();  // validated, yet refused
  }
  std::memset(executor.input(), 0x5A, view.tensor(view.input_tensor()).size_bytes);
  float loss = 0.0f;
  if (executor.step(0, &loss) != Status::kOk) std::abort();
  return true;
}

}  // namespace

FuzzOutcome check_model_input(const uint8_t* data, size_t size) {
  FuzzOutcome outcome;
  if (size > UINT32_MAX) return outcome;
  AlignedBytes input(data, size);
  const uint32_t length = static_cast<uint32_t>(size);
  runtime::ModelView view;
  outcome.as_given = runtime::validate_model(input.bytes(), length, &view, nullptr);
  if (outcome.as_given == Status::kOk) {
    outcome.ran = run_model(view);
    outcome.trained = train_model(view);
  }

  if (length < runtime::kHeaderSize) {
    outcome.crc_fixed = outcome.as_given;
    return outcome;
  }
  const uint32_t crc =
      runtime::crc32(input.bytes() + runtime::kHeaderSize, length - runtime::kHeaderSize);
  uint8_t* field = input.bytes() + runtime::header::kCrc32;
  for (int i = 0; i < 4; ++i) field[i] = static_cast<uint8_t>(crc >> (8 * i));
  outcome.crc_fixed = runtime::validate_model(input.bytes(), length, &view, nullptr);
  if (outcome.crc_fixed == Status::kOk && outcome.as_given != Status::kOk) {
    outcome.ran = run_model(view) || outcome.ran;
    outcome.trained = train_model(view) || outcome.trained;
  }
  return outcome;
}

}  // namespace tinynas::fuzz
