#include "finetune/host_trainer.h"

#include <algorithm>
#include <stdexcept>

namespace tinynas::finetune {

namespace rt = runtime;

void HostTrainer::start(const compiler::LoadedModel& training_model) {
  model_ = std::make_unique<compiler::LoadedModel>(training_model);
  const rt::ModelView& model = model_->view();
  rt::ValidationError error;
  if (rt::validate_training(model, &training_, &error) != rt::Status::kOk) {
    char text[160];
    rt::format_validation_error(error, text, sizeof(text));
    throw std::runtime_error(model_->origin() + ": " + text);
  }
  arena_.assign(model.arena_size(), 0);
  scratch_.assign(model.scratch_size() + 1, 0);
  const rt::Status status =
      executor_.init(model, training_, arena_.data(), static_cast<uint32_t>(arena_.size()),
                     scratch_.data(), static_cast<uint32_t>(scratch_.size()));
  if (status != rt::Status::kOk) {
    throw std::runtime_error(model_->origin() +
                             ": training init failed: " + rt::status_message(status));
  }
}

StepResult HostTrainer::step(const std::vector<int8_t>& input, int label) {
  if (!model_) throw std::logic_error("host trainer: step before start");
  const rt::TensorInfo tensor = model_->view().tensor(model_->view().input_tensor());
  if (input.size() != tensor.size_bytes) {
    throw std::invalid_argument("host trainer: input of " + std::to_string(input.size()) +
                                " bytes, the model's input tensor has " +
                                std::to_string(tensor.size_bytes));
  }
  std::copy(input.begin(), input.end(), executor_.input());
  StepResult result;
  const rt::Status status = executor_.step(label, &result.loss);
  if (status != rt::Status::kOk) {
    throw std::runtime_error("host trainer: step with label " + std::to_string(label) +
                             " failed: " + rt::status_message(status));
  }
  return result;
}

std::vector<LayerParameters> HostTrainer::parameters() {
  if (!model_) throw std::logic_error("host trainer: parameters before start");
  std::vector<LayerParameters> layers;
  for (uint16_t k = 0; k < training_.layer_count(); ++k) {
    const rt::TrainedLayerInfo info = training_.layer(k);
    LayerParameters layer;
    layer.name.assign(info.name, info.name_length);
    if (const int8_t* weights = executor_.trained_weights(k)) {
      layer.weights.assign(weights, weights + training_.tensor(info.trained_weights).size_bytes);
    }
    if (const int32_t* bias = executor_.trained_bias(k)) {
      layer.bias.assign(bias, bias + training_.tensor(info.trained_bias).size_bytes / 4);
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace tinynas::finetune
