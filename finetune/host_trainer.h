// The host's trainer: the runtime's TrainingExecutor (the code the boards run) on host memory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/training_executor.h"
#include "finetune/trainer.h"

namespace tinynas::finetune {

class HostTrainer : public Trainer {
 public:
  std::string name() const override { return "host"; }
  uint32_t clock_hz() const override { return 0; }
  // Throws std::runtime_error naming the model's origin when it has no valid training section.
  void start(const compiler::LoadedModel& training_model) override;
  StepResult step(const std::vector<int8_t>& input, int label) override;
  std::vector<LayerParameters> parameters() override;

 private:
  std::unique_ptr<compiler::LoadedModel> model_;  // the views below point into it
  runtime::TrainingView training_;
  std::vector<uint8_t> arena_;
  std::vector<uint8_t> scratch_;
  runtime::TrainingExecutor executor_;
};

}  // namespace tinynas::finetune
