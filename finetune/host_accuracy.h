// Top-1 accuracy of an int8 model on the host engine (the runtime's interpreter, the code the
// boards run): the highest output byte's index against each input's label.
#pragma once

#include "datasets/model_inputs.h"
#include "engine/compiler/model_file.h"

namespace tinynas::finetune {

// Throws std::invalid_argument naming the model when the inputs do not have its input's size.
double host_accuracy(const compiler::LoadedModel& model, const datasets::ModelInputs& inputs);

}  // namespace tinynas::finetune
