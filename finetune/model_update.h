// The models around a fine-tune: the training model (.tnm format version 3) of an inference model
// and an update scheme, and the updated inference model once training is over (the original's
// bytes with the trained layers' constants replaced and the CRC renewed: the same plan, so the
// updated model runs wherever the original did). Layers are named as the model's graph names its
// ops (compiler::import_model: "op<index in the file>").
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compiler/model_file.h"
#include "engine/compiler/update_scheme.h"
#include "finetune/trainer.h"

namespace tinynas::finetune {

// Throws compiler::SchemeError when the scheme does not match the model (naming the layer),
// std::invalid_argument when the runtime cannot run it.
compiler::LoadedModel training_model(const compiler::LoadedModel& model,
                                     const compiler::UpdateScheme& scheme, float learning_rate);

// Throws std::invalid_argument naming the layer when a layer is not in the model or its
// parameters do not have the size of the model's.
std::vector<uint8_t> updated_model(const compiler::LoadedModel& model,
                                   const std::vector<LayerParameters>& layers);

}  // namespace tinynas::finetune
