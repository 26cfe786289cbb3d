// What `tinynas finetune` needs from whatever runs the training steps: a training model
// (.tnm format version 3) is loaded and initialised, labelled samples are stepped one at a time,
// and the trained layers' current parameters are read back. Two implementations: the host's
// TrainingExecutor (host_trainer.h) and a board over the runner protocol (board_trainer.h); both
// run the same runtime code, so their losses and parameters are bit-exact.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/compiler/model_file.h"

namespace tinynas::finetune {

struct StepResult {
  float loss = 0.0f;               // -ln(probability of the label) before the update
  std::optional<uint32_t> cycles;  // board: CPU cycles of the step (host: absent)
  // Board: highest arena byte written since the trainer started + 1 (painting), and the stack
  // high-water of the step; 0 when not measured (host).
  uint32_t arena_bytes_used = 0;
  uint32_t stack_bytes_used = 0;
};

// One trained layer's current parameters (empty when that part does not train).
struct LayerParameters {
  std::string name;
  std::vector<int8_t> weights;  // the layer's whole weight tensor, in the model file's layout
  std::vector<int32_t> bias;    // one per output channel
};

class Trainer {
 public:
  virtual ~Trainer() = default;
  // "host", or the board's kind.
  virtual std::string name() const = 0;
  // The CPU clock the step cycles count (0 on the host).
  virtual uint32_t clock_hz() const = 0;
  // Loads `training_model` (validated, with a training section) and initialises the trained
  // parameters from its constants; called again, training starts over.
  virtual void start(const compiler::LoadedModel& training_model) = 0;
  // One SGD step on `input` (the model's input tensor bytes) with class `label`.
  virtual StepResult step(const std::vector<int8_t>& input, int label) = 0;
  // The trained layers' parameters now, in the training section's layer order.
  virtual std::vector<LayerParameters> parameters() = 0;
};

}  // namespace tinynas::finetune
