// Runs a validated model: ops in file order on the caller's arena, each dispatched to its
// kernel (kernels.h). The interpreter owns no memory — model bytes, arena and scratch all belong
// to the caller — so it works the same on the host and in firmware without a heap.
#pragma once

#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "engine/runtime/model_reader.h"
#include "engine/runtime/status.h"

namespace tinynas::runtime {

// Called around every op (op = index in the op table). The host times ops with a steady clock,
// firmware with the cycle counter: the caller decides. Either callback may be null.
struct OpObserver {
  void (*begin)(void* ctx, uint16_t op);
  void (*end)(void* ctx, uint16_t op);
  void* ctx;
};

class Interpreter {
 public:
  // `model` must come from validate_model(). `arena` must hold model.arena_size() bytes and
  // `scratch` model.scratch_size() bytes (scratch may be null when that is 0); both must stay
  // alive, and not overlap each other or the model, for as long as the interpreter is used.
  Status init(const ModelView& model, uint8_t* arena, uint32_t arena_size, uint8_t* scratch,
              uint32_t scratch_size);

  // Runs every op once. The input tensor must have been filled (through input()) before; an
  // in-place first op may overwrite it, so refill it before every invoke.
  Status invoke(const OpObserver* observer = nullptr);

  bool initialized() const { return initialized_; }
  const ModelView& model() const { return model_; }

  // Input and output tensors in the arena (null before a successful init()).
  int8_t* input();
  const int8_t* output() const;
  // Shape, size and quantization (real = scale * (q - zero_point)) of input and output.
  TensorInfo input_info() const;
  TensorInfo output_info() const;

  // Real values in and out, with the input and output tensors' scale and zero point (TFLite
  // QUANTIZE float -> int8 and DEQUANTIZE): what a model with real-valued edges
  // (ModelView::real_input / real_output) expects its caller to do; any model accepts them.
  // `count` must be the tensor's element count (kShapeMismatch otherwise).
  Status set_input_real(const float* values, uint32_t count);
  Status output_real(float* values, uint32_t count) const;

 private:
  void run_op(const OpInfo& op);
  void run_fused_group(uint16_t first);
  ConvStage conv_stage(const OpInfo& op) const;
  int8_t* arena_tensor(uint16_t index) const;

  ModelView model_;
  uint8_t* arena_ = nullptr;
  int8_t* scratch_ = nullptr;
  bool initialized_ = false;
};

}  // namespace tinynas::runtime
