#include "config/field_reader.h"

#include <cctype>
#include <limits>
#include <sstream>

namespace tinynas::config {
namespace {

constexpr size_t kMaxDescribedLength = 60;  // "found ..." shows at most this many characters
constexpr int64_t kMinInteger = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxInteger = std::numeric_limits<int64_t>::max();
constexpr double kMinNumber = std::numeric_limits<double>::lowest();
constexpr double kMaxNumber = std::numeric_limits<double>::max();

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string integer_expected(int64_t min, int64_t max) {
  if (min == kMinInteger && max == kMaxInteger) return "an integer";
  return "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

std::string number_expected(double min, double max) {
  if (min == kMinNumber && max == kMaxNumber) return "a number";
  return "a number in [" + format_number(min) + ", " + format_number(max) + "]";
}

std::optional<int64_t> read_integer(const nlohmann::json& value, const std::string& path,
                                    int64_t min, int64_t max, FieldErrors& errors) {
  const std::string expected = integer_expected(min, max);
  const bool fits =
      value.is_number_integer() &&
      !(value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(kMaxInteger));
  if (!fits || value.get<int64_t>() < min || value.get<int64_t>() > max) {
    errors.add(path, expected, value);
    return std::nullopt;
  }
  return value.get<int64_t>();
}

std::optional<double> read_number(const nlohmann::json& value, const std::string& path, double min,
                                  double max, FieldErrors& errors) {
  if (!value.is_number() || value.get<double>() < min || value.get<double>() > max) {
    errors.add(path, number_expected(min, max), value);
    return std::nullopt;
  }
  return value.get<double>();
}

std::optional<std::string> read_string(const nlohmann::json& value, const std::string& path,
                                       FieldErrors& errors) {
  if (!value.is_string()) {
    errors.add(path, "a string", value);
    return std::nullopt;
  }
  return value.get<std::string>();
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "\"" : ", \"") + name + "\"";
  return list;
}

}  // namespace

std::string key_path(const std::string& parent, const std::string& key) {
  // A key with control characters (JSON allows "\n" in a key) is quoted and escaped, so that an
  // error stays on its line.
  bool plain = !key.empty();
  for (const char c : key) plain = plain && !std::iscntrl(static_cast<unsigned char>(c));
  const std::string name = plain ? key : describe(key);
  return parent.empty() ? name : parent + "." + name;
}

std::string index_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string describe(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxDescribedLength) text = text.substr(0, kMaxDescribedLength) + "...";
  return text;
}

void FieldErrors::add(const std::string& path, const std::string& expected,
                      const std::string& found) {
  errors_.push_back({path, expected, found});
}

void FieldErrors::add(const std::string& path, const std::string& expected, const char* found) {
  add(path, expected, std::string(found));
}

void FieldErrors::add(const std::string& path, const std::string& expected,
                      const nlohmann::json& found) {
  add(path, expected, describe(found));
}

ObjectReader::ObjectReader(const nlohmann::json& value, std::string path, FieldErrors& errors)
    : path_(std::move(path)), errors_(&errors) {
  if (value.is_object()) {
    object_ = &value;
  } else {
    errors.add(path_, "an object", value);
  }
}

bool ObjectReader::has(const std::string& key) const { return get(key) != nullptr; }

const nlohmann::json* ObjectReader::get(const std::string& key) const {
  if (!valid()) return nullptr;
  const auto it = object_->find(key);
  return it == object_->end() || it->is_null() ? nullptr : &*it;
}

const nlohmann::json* ObjectReader::lookup(const std::string& key, const std::string& expected,
                                           Presence presence) const {
  if (!valid()) return nullptr;
  const nlohmann::json* found = get(key);
  if (found == nullptr && presence == kRequired) {
    errors_->add(path_of(key), expected, object_->contains(key) ? "null" : "missing");
  }
  return found;
}

const nlohmann::json* ObjectReader::value(const std::string& key, const std::string& expected,
                                          Presence presence) const {
  return lookup(key, expected, presence);
}

std::optional<int64_t> ObjectReader::integer(const std::string& key, Presence presence) const {
  return integer(key, kMinInteger, kMaxInteger, presence);
}

std::optional<int64_t> ObjectReader::integer(const std::string& key, int64_t min, int64_t max,
                                             Presence presence) const {
  const nlohmann::json* found = lookup(key, integer_expected(min, max), presence);
  if (found == nullptr) return std::nullopt;
  return read_integer(*found, path_of(key), min, max, *errors_);
}

std::optional<double> ObjectReader::number(const std::string& key, Presence presence) const {
  return number(key, kMinNumber, kMaxNumber, presence);
}

std::optional<double> ObjectReader::number(const std::string& key, double min, double max,
                                           Presence presence) const {
  const nlohmann::json* found = lookup(key, number_expected(min, max), presence);
  if (found == nullptr) return std::nullopt;
  return read_number(*found, path_of(key), min, max, *errors_);
}

std::optional<std::string> ObjectReader::string(const std::string& key, Presence presence) const {
  const nlohmann::json* found = lookup(key, "a string", presence);
  if (found == nullptr) return std::nullopt;
  return read_string(*found, path_of(key), *errors_);
}

std::optional<std::string> ObjectReader::one_of(const std::string& key,
                                                const std::vector<std::string>& allowed,
                                                Presence presence) const {
  const std::string expected = "one of " + quoted_list(allowed);
  const nlohmann::json* found = lookup(key, expected, presence);
  if (found == nullptr) return std::nullopt;
  if (found->is_string()) {
    for (const std::string& name : allowed) {
      if (found->get<std::string>() == name) return name;
    }
  }
  errors_->add(path_of(key), expected, *found);
  return std::nullopt;
}

std::optional<bool> ObjectReader::boolean(const std::string& key, Presence presence) const {
  const nlohmann::json* found = lookup(key, "true or false", presence);
  if (found == nullptr) return std::nullopt;
  if (!found->is_boolean()) {
    errors_->add(path_of(key), "true or false", *found);
    return std::nullopt;
  }
  return found->get<bool>();
}

std::optional<ObjectReader> ObjectReader::object(const std::string& key, Presence presence) const {
  const nlohmann::json* found = lookup(key, "an object", presence);
  if (found == nullptr) return std::nullopt;
  ObjectReader child(*found, path_of(key), *errors_);
  if (!child.valid()) return std::nullopt;
  return child;
}

std::optional<ArrayReader> ObjectReader::array(const std::string& key, const std::string& expected,
                                               Presence presence, size_t min_items) const {
  const nlohmann::json* found = lookup(key, expected, presence);
  if (found == nullptr) return std::nullopt;
  if (!found->is_array() || found->size() < min_items) {
    errors_->add(path_of(key), expected, *found);
    return std::nullopt;
  }
  return ArrayReader(*found, path_of(key), *errors_);
}

void ObjectReader::reject_unknown_keys(const std::vector<std::string>& allowed) const {
  if (!valid()) return;
  for (auto it = object_->begin(); it != object_->end(); ++it) {
    bool known = false;
    for (const std::string& name : allowed) known = known || name == it.key();
    if (known) continue;
    std::string list;
    for (const std::string& name : allowed) list += (list.empty() ? "" : ", ") + name;
    errors_->add(path_of(it.key()), "a known key (" + list + ")",
                 "unknown key " + describe(it.key()));
  }
}

ArrayReader::ArrayReader(const nlohmann::json& array, std::string path, FieldErrors& errors)
    : array_(&array), path_(std::move(path)), errors_(&errors) {}

ObjectReader ArrayReader::object(size_t index) const {
  return ObjectReader(at(index), path_of(index), *errors_);
}

std::optional<int64_t> ArrayReader::integer(size_t index) const {
  return integer(index, kMinInteger, kMaxInteger);
}

std::optional<int64_t> ArrayReader::integer(size_t index, int64_t min, int64_t max) const {
  return read_integer(at(index), path_of(index), min, max, *errors_);
}

std::optional<double> ArrayReader::number(size_t index, double min, double max) const {
  return read_number(at(index), path_of(index), min, max, *errors_);
}

std::optional<std::string> ArrayReader::string(size_t index) const {
  return read_string(at(index), path_of(index), *errors_);
}

std::optional<std::vector<int64_t>> ArrayReader::integers(int64_t min, int64_t max) const {
  std::vector<int64_t> values;
  for (size_t i = 0; i < size(); ++i) {
    if (const auto value = integer(i, min, max)) values.push_back(*value);
  }
  if (values.size() != size()) return std::nullopt;
  return values;
}

std::optional<std::vector<double>> ArrayReader::numbers(double min, double max) const {
  std::vector<double> values;
  for (size_t i = 0; i < size(); ++i) {
    if (const auto value = number(i, min, max)) values.push_back(*value);
  }
  if (values.size() != size()) return std::nullopt;
  return values;
}

std::optional<std::vector<std::string>> ArrayReader::strings() const {
  std::vector<std::string> values;
  for (size_t i = 0; i < size(); ++i) {
    if (auto value = string(i)) values.push_back(std::move(*value));
  }
  if (values.size() != size()) return std::nullopt;
  return values;
}

}  // namespace tinynas::config
