// The one error type of the TFLite layer: a file or model that does not meet the schema or our
// checks. The message names where (subgraph, operator or tensor index) and which field.
#pragma once

#include <stdexcept>
#include <string>

namespace tinynas::tflite {

class TfliteError : public std::runtime_error {
 public:
  explicit TfliteError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace tinynas::tflite
