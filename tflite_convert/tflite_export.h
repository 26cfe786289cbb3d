// A validated .tnm model as a TFLite model (tflite/ structs; write it with
// tflite::write_model_file): schema version 3, int8 activations, per-channel int8 weights, int32
// biases. The plain graph is exported: fused groups, patch stages, in-place depthwise and the
// arena plan are execution plans of the same graph. The mapping is in docs/tflite.md ("Export").
#pragma once

#include "engine/runtime/model_reader.h"
#include "tflite/model.h"

namespace tinynas::tflite_convert {

// Throws std::runtime_error naming the op (index and kind) when an op has no TFLite form: a
// fused clamp that is neither none, ReLU nor ReLU6, or a pool whose padding is neither SAME nor
// VALID.
tflite::Model export_tflite(const runtime::ModelView& model);

}  // namespace tinynas::tflite_convert
