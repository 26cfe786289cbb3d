// A board's trainer: the training model is uploaded over the runner protocol (LOAD_*), every
// step uploads its sample (INPUT) and runs TRAIN_STEP, the parameters are read back with
// TRAIN_LAYER / TRAIN_PARAMS and checked against the CRC-32s the board computed. The runner runs
// the runtime's TrainingExecutor, so the board's losses and parameters are the host's.
#pragma once

#include <string>
#include <vector>

#include "finetune/trainer.h"
#include "profiler/board_client.h"

namespace tinynas::finetune {

class BoardTrainer : public Trainer {
 public:
  // `client` (HELLO answered with `info`) outlives the trainer.
  BoardTrainer(profiler::BoardClient& client, const profiler::BoardInfo& info,
               uint8_t arena_paint = 0x55);
  std::string name() const override { return info_.board; }
  uint32_t clock_hz() const override { return info_.clock_hz; }
  // Throws profiler::BoardRejectedError with the board's reason (arena too small, a section the
  // board's runtime refuses ...).
  void start(const compiler::LoadedModel& training_model) override;
  StepResult step(const std::vector<int8_t>& input, int label) override;
  std::vector<LayerParameters> parameters() override;

 private:
  profiler::BoardClient& client_;
  profiler::BoardInfo info_;
  uint8_t arena_paint_;
  std::vector<std::string> layer_names_;  // from the training section, in layer order
};

}  // namespace tinynas::finetune
