// A fine-tune of an inference model under an update scheme: the training model is built and
// loaded into a trainer (host or board), the training images are stepped one at a time for a
// number of epochs (a seeded shuffle per epoch), the trained parameters are read back into an
// updated inference model, and the host engine measures the accuracy before and after.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "datasets/model_inputs.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/update_scheme.h"
#include "finetune/trainer.h"

namespace tinynas::finetune {

struct FinetuneOptions {
  int epochs = 1;
  float learning_rate = 0.01f;
  uint32_t seed = 1;  // the order of the training images in each epoch
};

struct FinetuneResult {
  double accuracy_before = 0.0;  // host int8 engine on the test images
  double accuracy_after = 0.0;
  std::vector<double> epoch_losses;  // mean loss of each epoch's steps
  uint64_t steps = 0;
  uint64_t step_cycles = 0;    // summed board cycles of the steps (0 on the host)
  double step_seconds = 0.0;   // wall time of the steps (on a board: with the serial link)
  uint32_t planned_arena = 0;  // the training model's arena (the training planner's)
  uint32_t planned_scratch = 0;
  uint32_t measured_arena = 0;  // board: highest arena byte written + 1 (painting); 0 on host
  uint32_t stack_bytes = 0;     // board: the steps' stack high-water
  std::vector<LayerParameters> parameters;  // read back at the end
  std::vector<uint8_t> updated_model;       // the inference model with them
};

// What a caller may follow as it happens (each one optional).
struct FinetuneObserver {
  std::function<void(double accuracy)> accuracy_before;          // before the first step
  std::function<void(uint64_t done, uint64_t total)> step_done;  // after every step
  std::function<void(int epoch, double mean_loss)> epoch_done;   // epoch from 0
};

// The order of `count` images in epoch `epoch` (a Fisher-Yates shuffle seeded by seed and epoch:
// the same on every platform).
std::vector<std::size_t> epoch_order(std::size_t count, uint32_t seed, int epoch);

// Throws std::invalid_argument when a label is outside the model's classes or an image does not
// have the model input's size; what the trainer throws passes through.
FinetuneResult finetune(Trainer& trainer, const compiler::LoadedModel& model,
                        const compiler::UpdateScheme& scheme, const datasets::ModelInputs& train,
                        const datasets::ModelInputs& test, const FinetuneOptions& options,
                        const FinetuneObserver& observer = {});

}  // namespace tinynas::finetune
