// Reads a .tflite file (a TFLite flatbuffer, schema version 3, identifier "TFL3") into a Model.
// Untrusted input is fine: every table is verified before it is read and the result passes
// validate_model; anything else is a TfliteError naming where and which field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tflite/model.h"

namespace tinynas::tflite {

Model read_model(const uint8_t* data, size_t size);
Model read_model(const std::vector<uint8_t>& bytes);

// Reads the file at `path`; errors are prefixed with the path.
Model read_model_file(const std::string& path);

}  // namespace tinynas::tflite
