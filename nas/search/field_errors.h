// Validation that reports every problem of an input document at once: each error names the JSON
// path of the field, what was expected and what was found, so a user fixes a job file in one
// round instead of one error per run.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynas::nas {

struct FieldError {
  std::string path;             // "evolution.population"
  std::string expected;         // "an integer in [2, 100000]"
  std::string found;            // "0", "missing", "\"abc\""
  std::string message() const;  // "<path>: expected <expected>, found <found>"
};

// Thrown after validation with the whole list; what() has one error per line, prefixed with the
// document's origin (the file path).
class FieldErrorList : public std::runtime_error {
 public:
  FieldErrorList(const std::string& origin, std::vector<FieldError> errors);
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  std::vector<FieldError> errors_;
};

// Collects errors while typed accessors read one JSON object. A failed read records the error
// and returns nullopt; the caller carries on so that every field is checked.
class FieldCollector {
 public:
  void add(const std::string& path, const std::string& expected, const std::string& found);
  void add(const std::string& path, const std::string& expected, const nlohmann::json& found);
  bool empty() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }
  // Throws FieldErrorList when any error was collected.
  void throw_if_any(const std::string& origin) const;

 private:
  std::vector<FieldError> errors_;
};

std::string join_path(const std::string& parent, const std::string& key);
std::string index_path(const std::string& parent, size_t index);
std::string describe_value(const nlohmann::json& value);

class ObjectFields {
 public:
  // Records an error (and then reads nothing) unless `object` is a JSON object.
  ObjectFields(const nlohmann::json& object, std::string path, FieldCollector& errors);

  bool valid() const { return object_ != nullptr; }
  bool has(const std::string& key) const;
  const std::string& path() const { return path_; }
  std::string path_of(const std::string& key) const { return join_path(path_, key); }
  const nlohmann::json* get(const std::string& key) const;  // nullptr when absent

  // Required when `required`; absent optional fields return nullopt without an error.
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max,
                                 bool required = true) const;
  std::optional<double> number(const std::string& key, double min, double max,
                               bool required = true) const;
  std::optional<std::string> string(const std::string& key, bool required = true) const;
  std::optional<std::string> one_of(const std::string& key, const std::vector<std::string>& allowed,
                                    bool required = true) const;
  std::optional<bool> boolean(const std::string& key, bool required = true) const;
  // A non-empty array of numbers in [min, max], strictly ascending.
  std::optional<std::vector<double>> ascending_numbers(const std::string& key, double min,
                                                       double max, bool required = true) const;
  std::optional<std::vector<int>> ascending_integers(const std::string& key, int min, int max,
                                                     bool required = true) const;
  // Required object (an error when absent or not an object); nullptr then.
  const nlohmann::json* object(const std::string& key, bool required = true) const;

  // Records one error per key not in `allowed` (catches typos such as "populaton").
  void reject_unknown_keys(const std::vector<std::string>& allowed) const;

  FieldCollector& errors() const { return errors_; }

 private:
  const nlohmann::json* object_ = nullptr;
  std::string path_;
  FieldCollector& errors_;
};

}  // namespace tinynas::nas
