#include "config/config_error.h"

namespace tinynas::config {
namespace {

constexpr const char* kErrorIndent = "\n  ";

// A found value may itself be a multi-line report (a nested file's errors): indent its lines
// below the line that names the field.
std::string indented(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += kErrorIndent;
    } else {
      out += c;
    }
  }
  return out;
}

std::string report(const std::string& origin, const std::vector<FieldError>& errors) {
  std::string text =
      origin + ": " + std::to_string(errors.size()) + " error" + (errors.size() == 1 ? "" : "s");
  for (const FieldError& error : errors) text += kErrorIndent + indented(error.message());
  return text;
}

}  // namespace

std::string FieldError::message() const {
  return (path.empty() ? std::string("(document)") : path) + ": expected " + expected + ", found " +
         found;
}

ConfigError::ConfigError(const std::string& message) : std::runtime_error(message) {}

ConfigError::ConfigError(const std::string& origin, std::vector<FieldError> errors)
    : std::runtime_error(report(origin, errors)), errors_(std::move(errors)) {}

}  // namespace tinynas::config
