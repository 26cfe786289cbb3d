// A validated .tnm model as a TFLite model (tflite/ structs; write it with
// tflite::write_model_file): schema version 3, int8 activations, per-channel int8 weights, int32
// biases. The plain graph is exported: fused groups, patch stages, in-place depthwise and the
// arena plan are execution plans of the same graph. The mapping is in docs/tflite.md ("Export").
#pragma once

#include "engine/compiler/quantization.h"
#include "engine/runtime/model_reader.h"
#include "tflite/model.h"

namespace tinynas::tflite_convert {

// Throws std::runtime_error naming the op (index and kind) when an op has no TFLite form: a
// fused clamp that is neither none, ReLU nor ReLU6, or a pool whose padding is neither SAME nor
// VALID.
tflite::Model export_tflite(const runtime::ModelView& model);

// A global average pool is exported as a DEPTHWISE_CONV_2D of ones over the whole input whose
// weight scale s gives requantization multiplier `pool` (input_scale * s / output_scale): the
// float that gives exactly `pool` when one does (then any TFLite runtime computes our pool bit
// for bit), else the nearest. The importer recognises such a depthwise by this scale.
float global_pool_weight_scale(float input_scale, float output_scale,
                               compiler::QuantizedMultiplier pool);

}  // namespace tinynas::tflite_convert
