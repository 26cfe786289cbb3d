#include "finetune/model_update.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/model_import.h"
#include "engine/compiler/training_model_writer.h"
#include "engine/runtime/crc32.h"
#include "engine/runtime/model_format.h"

namespace tinynas::finetune {

compiler::LoadedModel training_model(const compiler::LoadedModel& model,
                                     const compiler::UpdateScheme& scheme, float learning_rate) {
  const compiler::ImportedModel imported = compiler::import_model(model.view());
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(imported.graph, compiler::GraphUse::kModelFile, "finetune");
  return compiler::LoadedModel(compiler::write_training_model(validated, scheme, learning_rate),
                               "the training model of " + model.origin());
}

namespace {

void store_u32(uint8_t* at, uint32_t value) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<uint8_t>(value >> (8 * i));
}

uint32_t load_u32(const uint8_t* at) {
  return static_cast<uint32_t>(at[0]) | (static_cast<uint32_t>(at[1]) << 8) |
         (static_cast<uint32_t>(at[2]) << 16) | (static_cast<uint32_t>(at[3]) << 24);
}

}  // namespace

std::vector<uint8_t> updated_model(const compiler::LoadedModel& model,
                                   const std::vector<LayerParameters>& layers) {
  // The layers are named as the model's graph names its ops (import_model: by file index).
  const compiler::ImportedModel imported = compiler::import_model(model.view());
  const runtime::ModelView& view = model.view();
  std::vector<uint8_t> bytes = model.bytes();
  const uint32_t constants = load_u32(bytes.data() + runtime::header::kConstantsOffset);
  for (const LayerParameters& layer : layers) {
    const std::vector<compiler::Op>& ops = imported.graph.ops;
    std::size_t index = 0;
    while (index < ops.size() && ops[index].name != layer.name) ++index;
    if (index == ops.size() || !compiler::op_has_weights(ops[index].kind)) {
      throw std::invalid_argument(model.origin() + ": trained layer '" + layer.name +
                                  "' is not a layer with weights of the model");
    }
    const runtime::OpInfo op = view.op(static_cast<uint16_t>(index));
    auto mismatch = [&](const char* part, std::size_t found, std::size_t expected) {
      return std::invalid_argument(model.origin() + ": layer '" + layer.name +
                                   "': " + std::to_string(found) + " trained " + part +
                                   ", the model has " + std::to_string(expected));
    };
    if (!layer.weights.empty()) {
      const runtime::TensorInfo weights = view.tensor(op.weights);
      if (layer.weights.size() != weights.size_bytes) {
        throw mismatch("weights", layer.weights.size(), weights.size_bytes);
      }
      std::memcpy(bytes.data() + constants + weights.offset, layer.weights.data(),
                  layer.weights.size());
    }
    if (!layer.bias.empty()) {
      const auto channels = static_cast<std::size_t>(view.tensor(op.output).shape.c);
      if (layer.bias.size() != channels) throw mismatch("biases", layer.bias.size(), channels);
      for (std::size_t c = 0; c < channels; ++c) {
        store_u32(bytes.data() + constants + op.bias_offset + 4 * c,
                  static_cast<uint32_t>(layer.bias[c]));
      }
    }
  }
  store_u32(bytes.data() + runtime::header::kCrc32,
            runtime::crc32(bytes.data() + runtime::kHeaderSize,
                           static_cast<uint32_t>(bytes.size() - runtime::kHeaderSize)));
  return bytes;
}

}  // namespace tinynas::finetune
