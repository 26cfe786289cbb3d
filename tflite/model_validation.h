// The checks every model passes before the reader returns it and before the writer writes it:
// indices in range, shapes positive, quantization consistent with the shape, constant buffers
// of exactly the tensor's size, options of the kind the operator calls for and values in range.
// Operator semantics (arity, shapes agreeing between inputs and outputs) are the importer's.
#pragma once

#include <cstdint>

#include "tflite/model.h"

namespace tinynas::tflite {

// Tensors larger than this many elements are refused (no microcontroller model comes close,
// and byte sizes then fit every integer type on the way).
inline constexpr uint64_t kMaxTensorElements = (uint64_t{1} << 31) - 1;

// Throws TfliteError unless `version` is the schema version this layer reads and writes (3).
void check_schema_version(uint32_t version);

// Throws TfliteError naming the first problem: "subgraph 0 operator 3: inputs[1] = 57 is not a
// tensor index (12 tensors)".
void validate_model(const Model& model);

}  // namespace tinynas::tflite
