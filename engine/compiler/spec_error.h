// A malformed network description (file missing, invalid JSON, bad or unknown field). A
// config::ConfigError, so errors() lists every bad field of the document.
#pragma once

#include "config/config_error.h"

namespace tinynas::compiler {

class SpecError : public config::ConfigError {
 public:
  using config::ConfigError::ConfigError;
  explicit SpecError(const config::ConfigError& error) : config::ConfigError(error) {}
};

}  // namespace tinynas::compiler
