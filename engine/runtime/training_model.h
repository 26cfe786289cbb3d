// Reader and validator of a .tnm training section (layout: training_format.h, prose:
// docs/model-format.md). validate_training() checks every record the training executor relies
// on against the validated model, so a TrainingView is only handed out for a section that
// passed. Freestanding: the view points into the caller's model buffer.
#pragma once

#include <stdint.h>

#include "engine/runtime/model_reader.h"
#include "engine/runtime/status.h"
#include "engine/runtime/training_format.h"

namespace tinynas::runtime {
namespace validation {
class TrainingValidator;
}  // namespace validation

struct TrainTensorInfo {
  TrainTensorKind kind = TrainTensorKind::kActivation;
  uint16_t model_tensor = kNoTensor;
  uint16_t layer = kNoTensor;
  uint32_t offset = 0;
  uint32_t size_bytes = 0;
};

struct TrainOpInfo {
  TrainOpKind kind = TrainOpKind::kForward;
  uint8_t flags = 0;
  uint16_t model_op = 0;
  uint16_t operands[train_op_record::kOperandCount] = {kNoTensor, kNoTensor, kNoTensor,
                                                       kNoTensor, kNoTensor, kNoTensor};
};

struct TrainedLayerInfo {
  uint16_t model_op = 0;
  uint8_t flags = 0;
  uint16_t channel_count = 0;
  const int32_t* channels = nullptr;     // channel_count, ascending
  const float* weight_scales = nullptr;  // s_W(c) per output channel
  float input_scale = 0.0f;              // s_x
  const char* name = nullptr;            // name_length bytes, not NUL-terminated
  uint16_t name_length = 0;
  uint16_t trained_weights = kNoTensor;
  uint16_t trained_bias = kNoTensor;
  uint16_t master_weights = kNoTensor;
  uint16_t master_bias = kNoTensor;
  bool trains_bias() const { return (flags & kTrainLayerFlagBias) != 0; }
  bool trains_weights() const { return (flags & kTrainLayerFlagWeights) != 0; }
};

class TrainingView {
 public:
  bool valid() const { return section_ != nullptr; }
  uint16_t tensor_count() const { return tensor_count_; }
  uint16_t op_count() const { return op_count_; }
  uint16_t layer_count() const { return layer_count_; }
  uint16_t logits() const { return logits_; }
  float learning_rate() const { return learning_rate_; }
  TrainTensorInfo tensor(uint16_t index) const;
  TrainOpInfo op(uint16_t index) const;
  TrainedLayerInfo layer(uint16_t index) const;
  // The layer-table index of model op `model_op`, or kNoTensor when it does not train.
  uint16_t layer_of(uint16_t model_op) const;

 private:
  friend class validation::TrainingValidator;
  const uint8_t* section_ = nullptr;
  uint16_t tensor_count_ = 0;
  uint16_t op_count_ = 0;
  uint16_t layer_count_ = 0;
  uint16_t logits_ = 0;
  float learning_rate_ = 0.0f;
};

// Checks the training section of a validated model (kModelFlagTraining; kBadHeader at the
// header's flags field when the model has none). Errors name the section (training header, train
// tensor / op / trained layer with its index) and the field's byte offset in its record.
Status validate_training(const ModelView& model, TrainingView* out, ValidationError* error);

}  // namespace tinynas::runtime
