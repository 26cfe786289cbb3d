// Writes a Model as a .tflite file: schema version 3, identifier "TFL3", constants inside the
// flatbuffer (16-byte aligned), fields equal to the schema default left out. The same model
// always gives the same bytes, and read_model(write_model(m)) == m.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tflite/model.h"

namespace tinynas::tflite {

// Validates the model (validate_model) and serializes it. Throws TfliteError for an invalid
// model, for operators whose options were not decoded (UndecodedOptions), and for models that
// do not fit a 2 GiB flatbuffer.
std::vector<uint8_t> write_model(const Model& model);

// write_model, then the bytes to `path`; errors are prefixed with the path.
void write_model_file(const std::string& path, const Model& model);

// Serializes without validating: for tests that need files breaking our checks. Still refuses
// undecoded options and oversized models.
std::vector<uint8_t> serialize_model_unvalidated(const Model& model);

}  // namespace tinynas::tflite
