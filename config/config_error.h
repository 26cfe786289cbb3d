// What is wrong with a config: every bad field with its JSON path, what was expected and what
// was found, so a user fixes a file in one round instead of one error per run.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace tinynas::config {

struct FieldError {
  std::string path;             // "evolution.population"; "" for the document itself
  std::string expected;         // "an integer in [2, 100000]"
  std::string found;            // "0", "missing", "\"abc\""
  std::string message() const;  // "<path>: expected <expected>, found <found>"
};

// A config that cannot be used. Either a file that cannot be read or parsed (what() says why,
// errors() is empty), or a document with bad fields: errors() lists them all and what() is
//   <origin>: N errors
//     <path>: expected <what>, found <value>
//     ...
// Libraries whose callers catch their own type derive it from this one (compiler::SpecError,
// profiler::BoardSpecError, farm::FarmConfigError).
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message);
  ConfigError(const std::string& origin, std::vector<FieldError> errors);
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  std::vector<FieldError> errors_;
};

// Calls `read`; a ConfigError it throws leaves as `Error` (a subclass of ConfigError that the
// caller's callers catch) with the same message and errors.
template <typename Error, typename Read>
auto rethrow_as(Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const Error&) {
    throw;
  } catch (const ConfigError& error) {
    throw Error(error);
  }
}

}  // namespace tinynas::config
