#include "finetune/finetune.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "finetune/host_accuracy.h"
#include "finetune/model_update.h"

namespace tinynas::finetune {

std::vector<std::size_t> epoch_order(std::size_t count, uint32_t seed, int epoch) {
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = i;
  std::mt19937_64 random((static_cast<uint64_t>(seed) << 32) ^ static_cast<uint64_t>(epoch));
  for (std::size_t i = count; i > 1; --i) std::swap(order[i - 1], order[random() % i]);
  return order;
}

FinetuneResult finetune(Trainer& trainer, const compiler::LoadedModel& model,
                        const compiler::UpdateScheme& scheme, const datasets::ModelInputs& train,
                        const datasets::ModelInputs& test, const FinetuneOptions& options,
                        const FinetuneObserver& observer) {
  if (options.epochs < 1) throw std::invalid_argument("finetune: epochs must be at least 1");
  const runtime::ModelView& view = model.view();
  const std::size_t input_bytes = view.tensor(view.input_tensor()).size_bytes;
  const int classes = static_cast<int>(view.tensor(view.output_tensor()).size_bytes);
  if (train.bytes.size() != input_bytes * train.size()) {
    throw std::invalid_argument("finetune: the training images are not " +
                                std::to_string(input_bytes) + "-byte inputs of " + model.origin());
  }
  for (std::size_t i = 0; i < train.size(); ++i) {
    if (train.labels[i] < 0 || train.labels[i] >= classes) {
      throw std::invalid_argument("finetune: training image " + std::to_string(i) + " has label " +
                                  std::to_string(train.labels[i]) + ", " + model.origin() +
                                  " has " + std::to_string(classes) + " classes");
    }
  }
  FinetuneResult result;
  result.accuracy_before = host_accuracy(model, test);
  if (observer.accuracy_before) observer.accuracy_before(result.accuracy_before);
  const compiler::LoadedModel training = training_model(model, scheme, options.learning_rate);
  result.planned_arena = training.view().arena_size();
  result.planned_scratch = training.view().scratch_size();
  trainer.start(training);

  const uint64_t total = static_cast<uint64_t>(options.epochs) * train.size();
  std::vector<int8_t> input(input_bytes);
  const auto started = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    double loss_sum = 0.0;
    for (const std::size_t index : epoch_order(train.size(), options.seed, epoch)) {
      const int8_t* image = train.bytes.data() + index * input_bytes;
      std::copy(image, image + input_bytes, input.begin());
      const StepResult step = trainer.step(input, train.labels[index]);
      loss_sum += step.loss;
      result.step_cycles += step.cycles.value_or(0);
      result.measured_arena = std::max(result.measured_arena, step.arena_bytes_used);
      result.stack_bytes = std::max(result.stack_bytes, step.stack_bytes_used);
      ++result.steps;
      if (observer.step_done) observer.step_done(result.steps, total);
    }
    result.epoch_losses.push_back(train.size() > 0 ? loss_sum / static_cast<double>(train.size())
                                                   : 0.0);
    if (observer.epoch_done) observer.epoch_done(epoch, result.epoch_losses.back());
  }
  result.step_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.parameters = trainer.parameters();
  result.updated_model = updated_model(model, result.parameters);
  std::optional<compiler::LoadedModel> updated;
  try {
    updated.emplace(result.updated_model, "the updated model");
  } catch (const std::exception& error) {
    // The validator bounds |bias| + 256 * sum |w| of every channel by int32: an update that
    // breaks it has diverged, and the op it names ("op N") is the scheme's layer name.
    throw std::runtime_error(std::string(error.what()) +
                             ": the trained parameters leave that layer's int32 range (the "
                             "update diverged; try a lower --learning-rate or a scheme that "
                             "keeps this layer frozen)");
  }
  result.accuracy_after = host_accuracy(*updated, test);
  return result;
}

}  // namespace tinynas::finetune
