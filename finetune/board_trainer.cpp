#include "finetune/board_trainer.h"

#include <cstring>
#include <stdexcept>

#include "engine/runtime/crc32.h"
#include "engine/runtime/training_model.h"

namespace tinynas::finetune {

namespace protocol = firmware::protocol;

BoardTrainer::BoardTrainer(profiler::BoardClient& client, const profiler::BoardInfo& info,
                           uint8_t arena_paint)
    : client_(client), info_(info), arena_paint_(arena_paint) {}

void BoardTrainer::start(const compiler::LoadedModel& training_model) {
  runtime::TrainingView training;
  runtime::ValidationError error;
  if (runtime::validate_training(training_model.view(), &training, &error) !=
      runtime::Status::kOk) {
    throw std::runtime_error(training_model.origin() + ": no valid training section");
  }
  layer_names_.clear();
  for (uint16_t k = 0; k < training.layer_count(); ++k) {
    const runtime::TrainedLayerInfo layer = training.layer(k);
    layer_names_.emplace_back(layer.name, layer.name_length);
  }
  client_.load_model(training_model.bytes());
  const protocol::TrainInitReply init = client_.train_init(arena_paint_);
  if (init.layer_count != training.layer_count()) {
    throw profiler::BoardProtocolError(
        "board " + info_.board + ": TRAIN_INIT reports " + std::to_string(init.layer_count) +
        " trained layers, the model has " + std::to_string(training.layer_count()));
  }
}

StepResult BoardTrainer::step(const std::vector<int8_t>& input, int label) {
  client_.upload_input(std::vector<uint8_t>(input.begin(), input.end()));
  const protocol::TrainStepReply reply = client_.train_step(static_cast<uint32_t>(label));
  StepResult result;
  std::memcpy(&result.loss, &reply.loss_bits, sizeof(result.loss));
  result.cycles = reply.cycles;
  result.arena_bytes_used = reply.arena_bytes_used;
  result.stack_bytes_used = reply.stack_bytes_used;
  return result;
}

std::vector<LayerParameters> BoardTrainer::parameters() {
  std::vector<LayerParameters> layers;
  for (uint16_t k = 0; k < layer_names_.size(); ++k) {
    const protocol::TrainLayerReply info = client_.train_layer(k);
    auto read = [&](protocol::TrainPart part, uint32_t size, uint32_t crc, const char* what) {
      std::vector<uint8_t> bytes = client_.train_params(k, part, size);
      if (runtime::crc32(bytes.data(), static_cast<uint32_t>(bytes.size())) != crc) {
        throw profiler::BoardProtocolError("board " + info_.board + ": the " + what + " of '" +
                                           layer_names_[k] +
                                           "' read back do not match the board's CRC-32");
      }
      return bytes;
    };
    LayerParameters layer;
    layer.name = layer_names_[k];
    const std::vector<uint8_t> weights =
        read(protocol::TrainPart::kWeights, info.weight_bytes, info.weights_crc32, "weights");
    layer.weights.assign(weights.begin(), weights.end());
    const std::vector<uint8_t> bias =
        read(protocol::TrainPart::kBias, info.bias_bytes, info.bias_crc32, "biases");
    layer.bias.resize(bias.size() / sizeof(int32_t));
    std::memcpy(layer.bias.data(), bias.data(), layer.bias.size() * sizeof(int32_t));
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace tinynas::finetune
