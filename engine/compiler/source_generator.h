// Turns a validated .tnm model into C++ sources a firmware can compile in: model.h (#defines for
// the input/output shape and quantization, the planned arena and scratch sizes, and a four-call
// API) and model.cpp (the .tnm bytes as an aligned const array, i.e. in flash, and the arena and
// scratch as static buffers of exactly the planned size, bound to the runtime's C API). The
// embedded bytes are the very file the farm measured, so what was measured is what ships.
#pragma once

#include <string>
#include <vector>

#include "engine/compiler/model_file.h"

namespace tinynas::compiler {

struct SourceOptions {
  // Prefix of every generated symbol and macro: "model" gives model_init() and MODEL_ARENA_BYTES.
  std::string prefix = "model";
  // Name the generated files include each other by (model.cpp includes "<header_name>").
  std::string header_name = "model.h";
  // Where the model came from, written into the file comments (a path, a result dir ...).
  std::string origin;
  // The classes of the output, in order; written into model.h as <PREFIX>_CLASS_NAMES (an
  // initializer of const char* strings) when given.
  std::vector<std::string> class_names;
};

struct GeneratedSources {
  std::string header;  // model.h
  std::string source;  // model.cpp
};

// Throws std::invalid_argument when the prefix is not a C identifier.
GeneratedSources generate_model_sources(const LoadedModel& model,
                                        const SourceOptions& options = {});

}  // namespace tinynas::compiler
