// Runs one training step of a .tnm training model (training_model.h) on the caller's arena: the
// train ops in the file's order, forward ops through the interpreter's op dispatch
// (op_dispatch.h) with trained layers reading their parameters from the arena, backward ops and
// the SGD + QAS updates by the kernels of training_kernels.h. Freestanding, owns no memory.
#pragma once

#include <stdint.h>

#include "engine/runtime/training_model.h"

namespace tinynas::runtime {

class TrainingExecutor {
 public:
  // `model` from validate_model, `training` from validate_training on it. `arena` holds
  // model.arena_size() bytes, `scratch` model.scratch_size(). Copies the trained layers' int8
  // weights / int32 biases from the constant pool into the arena and fills their float master
  // copies: the arena then holds the model being trained (call init again to start over).
  Status init(const ModelView& model, const TrainingView& training, uint8_t* arena,
              uint32_t arena_size, uint8_t* scratch, uint32_t scratch_size);

  // The input tensor in the arena: fill it before every step.
  int8_t* input();
  // One SGD step on the sample in input() with class `label` (in [0, logits count)): forward,
  // loss gradient, backward, updates. *loss (if not null) = -ln(probability of the label).
  Status step(int32_t label, float* loss);

  // A trained layer's current parameters in the arena (null when that part does not train).
  const int8_t* trained_weights(uint16_t layer) const;
  const int32_t* trained_bias(uint16_t layer) const;

 private:
  void run_forward(const TrainOpInfo& op);
  void run_backward(const TrainOpInfo& op);
  void run_update(const TrainOpInfo& op);
  template <typename T>
  T* at(uint16_t train_tensor) const {
    return reinterpret_cast<T*>(arena_ + training_.tensor(train_tensor).offset);
  }

  ModelView model_;
  TrainingView training_;
  uint8_t* arena_ = nullptr;
  int8_t* scratch_ = nullptr;
  bool initialized_ = false;
};

// ln(x) for x > 0 in single precision without libm (the loss).
float natural_log(float x);

}  // namespace tinynas::runtime
