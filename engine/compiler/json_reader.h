// Reading JSON input files with errors a user can act on: the file, the line and column of a
// syntax error, and for semantic errors the JSON path of the field ("blocks[3].kernel_size") with
// what was expected and what was found. Shared by the architecture and net-config readers.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace tinynas::compiler {

// A malformed network description (file missing, invalid JSON, bad or unknown field).
class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `text`; a syntax error becomes "<source>:<line>:<column>: invalid JSON: <reason>".
nlohmann::json parse_json_text(const std::string& text, const std::string& source);
// Reads and parses a file; "<path>: cannot open file" when it cannot be read.
nlohmann::json read_json_file(const std::string& path);

// A short rendering of a value for "found ..." (long values are cut).
std::string describe_json(const nlohmann::json& value);

// "blocks" + 3 -> "blocks[3]"; "" + "name" -> "name"; "first_conv" + "stride" ->
// "first_conv.stride".
std::string json_index_path(const std::string& path, size_t index);
std::string json_key_path(const std::string& path, const std::string& key);

// Typed, path-aware access to the fields of one JSON object. Every failure throws SpecError
// "<path>.<key>: expected <what>, found <value>".
class JsonObjectReader {
 public:
  // Throws unless `object` is a JSON object; `path` names it ("" for the document root).
  JsonObjectReader(const nlohmann::json& object, std::string path);

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;  // present (possibly null)
  bool has_non_null(const std::string& key) const;
  const nlohmann::json& at(const std::string& key) const;  // required, any type

  int integer(const std::string& key) const;                          // required JSON integer
  std::optional<int> optional_integer(const std::string& key) const;  // missing or null -> none
  double number(const std::string& key) const;
  std::optional<double> optional_number(const std::string& key) const;
  std::string string(const std::string& key) const;
  std::optional<std::string> optional_string(const std::string& key) const;
  std::optional<bool> optional_boolean(const std::string& key) const;

  // Throws naming the first key not in `allowed` (catches typos such as "kernal_size").
  void reject_unknown_keys(std::initializer_list<const char*> allowed) const;

  [[noreturn]] void fail(const std::string& key, const std::string& expected,
                         const nlohmann::json& found) const;
  [[noreturn]] void fail_message(const std::string& key, const std::string& message) const;

 private:
  const nlohmann::json& object_;
  std::string path_;
};

}  // namespace tinynas::compiler
