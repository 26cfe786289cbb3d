// Typed, path-aware reading of a JSON document that reports every problem at once. A bad or
// missing field records "<path>: expected <what>, found <value>" and reads as nullopt; the
// reader carries on so that every field is checked, and throws them all at the end:
//
//   config::FieldErrors errors;
//   const config::ObjectReader root(document, "", errors);
//   root.reject_unknown_keys({"name", "depth"});
//   const auto name = root.string("name");
//   const auto depth = root.integer("depth", 1, 16, config::kOptional);
//   errors.throw_if_any(path);  // ConfigError "<path>: 2 errors\n  name: expected ..."
//
// An optional field that is absent or null reads as not given; a required one that is absent
// or null is an error ("found missing", "found null").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config_error.h"

namespace tinynas::config {

enum class Presence { kRequired, kOptional };
inline constexpr Presence kRequired = Presence::kRequired;
inline constexpr Presence kOptional = Presence::kOptional;

// "" + "name" -> "name"; "first_conv" + "stride" -> "first_conv.stride"; a key with control
// characters is quoted ("\"a\\nb\"").
std::string key_path(const std::string& parent, const std::string& key);
// "blocks" + 3 -> "blocks[3]".
std::string index_path(const std::string& parent, size_t index);
// A short rendering of a value for "found ..." (long values are cut).
std::string describe(const nlohmann::json& value);

// The errors of one document, collected while its readers carry on.
class FieldErrors {
 public:
  void add(const std::string& path, const std::string& expected, const std::string& found);
  void add(const std::string& path, const std::string& expected, const char* found);
  void add(const std::string& path, const std::string& expected, const nlohmann::json& found);

  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  const std::vector<FieldError>& list() const { return errors_; }

  // Throws Error(origin, list()) when any error was collected; `Error` is ConfigError or a
  // subclass of it the caller's callers catch.
  template <typename Error = ConfigError>
  void throw_if_any(const std::string& origin) const {
    if (!errors_.empty()) throw Error(origin, errors_);
  }

 private:
  std::vector<FieldError> errors_;
};

class ArrayReader;

// The fields of one JSON object.
class ObjectReader {
 public:
  // Records "<path>: expected an object, found ..." unless `value` is one (and then reads
  // nothing). `path` names the object ("" for the document itself).
  ObjectReader(const nlohmann::json& value, std::string path, FieldErrors& errors);

  bool valid() const { return object_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string path_of(const std::string& key) const { return key_path(path_, key); }
  FieldErrors& errors() const { return *errors_; }

  bool has(const std::string& key) const;                   // present and not null
  const nlohmann::json* get(const std::string& key) const;  // present and not null, else nullptr

  // Any value; `expected` describes it for the error when a required one is missing.
  const nlohmann::json* value(const std::string& key, const std::string& expected,
                              Presence presence = kRequired) const;
  std::optional<int64_t> integer(const std::string& key, Presence presence = kRequired) const;
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max,
                                 Presence presence = kRequired) const;
  std::optional<double> number(const std::string& key, Presence presence = kRequired) const;
  std::optional<double> number(const std::string& key, double min, double max,
                               Presence presence = kRequired) const;
  std::optional<std::string> string(const std::string& key, Presence presence = kRequired) const;
  // A string that is one of `allowed`.
  std::optional<std::string> one_of(const std::string& key, const std::vector<std::string>& allowed,
                                    Presence presence = kRequired) const;
  std::optional<bool> boolean(const std::string& key, Presence presence = kRequired) const;
  std::optional<ObjectReader> object(const std::string& key, Presence presence = kRequired) const;
  // An array of at least `min_items` items; `expected` describes it ("a non-empty array of
  // stage objects").
  std::optional<ArrayReader> array(const std::string& key, const std::string& expected,
                                   Presence presence = kRequired, size_t min_items = 0) const;

  // Records one error per key not in `allowed` (catches typos such as "kernal_size").
  void reject_unknown_keys(const std::vector<std::string>& allowed) const;

  // Records an error for `key` that a typed read cannot see ("3, 5 or 7", "fewer than ...").
  template <typename Found>
  void add_error(const std::string& key, const std::string& expected, const Found& found) const {
    errors_->add(path_of(key), expected, found);
  }

 private:
  // The value of `key`, or nullptr when it is absent or null (an error when required).
  const nlohmann::json* lookup(const std::string& key, const std::string& expected,
                               Presence presence) const;

  const nlohmann::json* object_ = nullptr;
  std::string path_;
  FieldErrors* errors_;
};

// The items of one JSON array (see ObjectReader::array).
class ArrayReader {
 public:
  // `array` must be a JSON array.
  ArrayReader(const nlohmann::json& array, std::string path, FieldErrors& errors);

  size_t size() const { return array_->size(); }
  const std::string& path() const { return path_; }
  std::string path_of(size_t index) const { return index_path(path_, index); }
  const nlohmann::json& at(size_t index) const { return array_->at(index); }
  FieldErrors& errors() const { return *errors_; }

  ObjectReader object(size_t index) const;  // records an error unless the item is an object
  std::optional<int64_t> integer(size_t index) const;
  std::optional<int64_t> integer(size_t index, int64_t min, int64_t max) const;
  std::optional<double> number(size_t index, double min, double max) const;
  std::optional<std::string> string(size_t index) const;

  // Every item, one error per bad item; nullopt when any is bad.
  std::optional<std::vector<int64_t>> integers(int64_t min, int64_t max) const;
  std::optional<std::vector<double>> numbers(double min, double max) const;
  std::optional<std::vector<std::string>> strings() const;

  // Records "<path>[i]: expected a value above the previous one (...)" for every item of
  // `values` (read from this array) not strictly above its predecessor; false when any.
  template <typename T>
  bool check_ascending(const std::vector<T>& values) const {
    bool ascending = true;
    for (size_t i = 1; i < values.size(); ++i) {
      if (!(values[i] > values[i - 1])) {
        add_error(i, "a value above the previous one (" + describe(values[i - 1]) + ")",
                  nlohmann::json(values[i]));
        ascending = false;
      }
    }
    return ascending;
  }

  template <typename Found>
  void add_error(size_t index, const std::string& expected, const Found& found) const {
    errors_->add(path_of(index), expected, found);
  }

 private:
  const nlohmann::json* array_;
  std::string path_;
  FieldErrors* errors_;
};

}  // namespace tinynas::config
