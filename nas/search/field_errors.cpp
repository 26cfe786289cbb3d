#include "nas/search/field_errors.h"

#include <sstream>

namespace tinynas::nas {
namespace {

constexpr size_t kMaxDescribedChars = 60;

std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string range_text(const std::string& what, double min, double max) {
  return what + " in [" + format_number(min) + ", " + format_number(max) + "]";
}

}  // namespace

std::string FieldError::message() const {
  return (path.empty() ? std::string("(document)") : path) + ": expected " + expected + ", found " +
         found;
}

namespace {
std::string join_messages(const std::string& origin, const std::vector<FieldError>& errors) {
  std::string text =
      origin + ": " + std::to_string(errors.size()) + " error" + (errors.size() == 1 ? "" : "s");
  for (const FieldError& e : errors) text += "\n  " + e.message();
  return text;
}
}  // namespace

FieldErrorList::FieldErrorList(const std::string& origin, std::vector<FieldError> errors)
    : std::runtime_error(join_messages(origin, errors)), errors_(std::move(errors)) {}

void FieldCollector::add(const std::string& path, const std::string& expected,
                         const std::string& found) {
  errors_.push_back({path, expected, found});
}

void FieldCollector::add(const std::string& path, const std::string& expected,
                         const nlohmann::json& found) {
  add(path, expected, describe_value(found));
}

void FieldCollector::throw_if_any(const std::string& origin) const {
  if (!errors_.empty()) throw FieldErrorList(origin, errors_);
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string describe_value(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > kMaxDescribedChars) text = text.substr(0, kMaxDescribedChars) + "...";
  return text;
}

ObjectFields::ObjectFields(const nlohmann::json& object, std::string path, FieldCollector& errors)
    : path_(std::move(path)), errors_(errors) {
  if (object.is_object()) {
    object_ = &object;
  } else {
    errors_.add(path_, "an object", object);
  }
}

bool ObjectFields::has(const std::string& key) const {
  return object_ != nullptr && object_->contains(key);
}

const nlohmann::json* ObjectFields::get(const std::string& key) const {
  if (!has(key)) return nullptr;
  return &object_->at(key);
}

std::optional<int64_t> ObjectFields::integer(const std::string& key, int64_t min, int64_t max,
                                             bool required) const {
  if (!valid()) return std::nullopt;
  const nlohmann::json* v = get(key);
  const std::string expected =
      "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (v == nullptr) {
    if (required) errors_.add(path_of(key), expected, std::string("missing"));
    return std::nullopt;
  }
  if (!v->is_number_integer()) {
    errors_.add(path_of(key), expected, *v);
    return std::nullopt;
  }
  const int64_t i =
      v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX ? INT64_MAX : v->get<int64_t>();
  if (i < min || i > max) {
    errors_.add(path_of(key), expected, *v);
    return std::nullopt;
  }
  return i;
}

std::optional<double> ObjectFields::number(const std::string& key, double min, double max,
                                           bool required) const {
  if (!valid()) return std::nullopt;
  const nlohmann::json* v = get(key);
  const std::string expected = range_text("a number", min, max);
  if (v == nullptr) {
    if (required) errors_.add(path_of(key), expected, std::string("missing"));
    return std::nullopt;
  }
  if (!v->is_number() || v->get<double>() < min || v->get<double>() > max) {
    errors_.add(path_of(key), expected, *v);
    return std::nullopt;
  }
  return v->get<double>();
}

std::optional<std::string> ObjectFields::string(const std::string& key, bool required) const {
  if (!valid()) return std::nullopt;
  const nlohmann::json* v = get(key);
  if (v == nullptr) {
    if (required) errors_.add(path_of(key), "a string", std::string("missing"));
    return std::nullopt;
  }
  if (!v->is_string() || v->get<std::string>().empty()) {
    errors_.add(path_of(key), "a non-empty string", *v);
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::string> ObjectFields::one_of(const std::string& key,
                                                const std::vector<std::string>& allowed,
                                                bool required) const {
  if (!valid()) return std::nullopt;
  std::string expected = "one of";
  for (size_t i = 0; i < allowed.size(); ++i) {
    expected += (i == 0 ? " \"" : ", \"") + allowed[i] + "\"";
  }
  const nlohmann::json* v = get(key);
  if (v == nullptr) {
    if (required) errors_.add(path_of(key), expected, std::string("missing"));
    return std::nullopt;
  }
  if (v->is_string()) {
    for (const std::string& a : allowed) {
      if (v->get<std::string>() == a) return a;
    }
  }
  errors_.add(path_of(key), expected, *v);
  return std::nullopt;
}

std::optional<bool> ObjectFields::boolean(const std::string& key, bool required) const {
  if (!valid()) return std::nullopt;
  const nlohmann::json* v = get(key);
  if (v == nullptr) {
    if (required) errors_.add(path_of(key), "true or false", std::string("missing"));
    return std::nullopt;
  }
  if (!v->is_boolean()) {
    errors_.add(path_of(key), "true or false", *v);
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::vector<double>> ObjectFields::ascending_numbers(const std::string& key,
                                                                   double min, double max,
                                                                   bool required) const {
  if (!valid()) return std::nullopt;
  const nlohmann::json* v = get(key);
  const std::string expected = "a non-empty array of numbers in [" + format_number(min) + ", " +
                               format_number(max) + "], ascending";
  if (v == nullptr) {
    if (required) errors_.add(path_of(key), expected, std::string("missing"));
    return std::nullopt;
  }
  if (!v->is_array() || v->empty()) {
    errors_.add(path_of(key), expected, *v);
    return std::nullopt;
  }
  std::vector<double> out;
  bool ok = true;
  for (size_t i = 0; i < v->size(); ++i) {
    const nlohmann::json& item = (*v)[i];
    const std::string item_path = index_path(path_of(key), i);
    if (!item.is_number() || item.get<double>() < min || item.get<double>() > max) {
      errors_.add(item_path, range_text("a number", min, max), item);
      ok = false;
      continue;
    }
    const double d = item.get<double>();
    if (!out.empty() && d <= out.back()) {
      errors_.add(item_path, "a value above the previous one (" + format_number(out.back()) + ")",
                  item);
      ok = false;
    }
    out.push_back(d);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<int>> ObjectFields::ascending_integers(const std::string& key, int min,
                                                                 int max, bool required) const {
  if (!valid()) return std::nullopt;
  const nlohmann::json* v = get(key);
  if (v != nullptr && v->is_array()) {
    bool all_integers = true;
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_number_integer()) {
        errors_.add(index_path(path_of(key), i), "an integer", (*v)[i]);
        all_integers = false;
      }
    }
    if (!all_integers) return std::nullopt;
  }
  const auto numbers = ascending_numbers(key, min, max, required);
  if (!numbers) return std::nullopt;
  std::vector<int> out;
  for (double d : *numbers) out.push_back(static_cast<int>(d));
  return out;
}

const nlohmann::json* ObjectFields::object(const std::string& key, bool required) const {
  if (!valid()) return nullptr;
  const nlohmann::json* v = get(key);
  if (v == nullptr) {
    if (required) errors_.add(path_of(key), "an object", std::string("missing"));
    return nullptr;
  }
  if (!v->is_object()) {
    errors_.add(path_of(key), "an object", *v);
    return nullptr;
  }
  return v;
}

void ObjectFields::reject_unknown_keys(const std::vector<std::string>& allowed) const {
  if (!valid()) return;
  for (auto it = object_->begin(); it != object_->end(); ++it) {
    bool known = false;
    for (const std::string& a : allowed) known = known || a == it.key();
    if (!known) {
      std::string expected = "a known key (";
      for (size_t i = 0; i < allowed.size(); ++i) expected += (i ? ", " : "") + allowed[i];
      errors_.add(path_of(it.key()), expected + ")",
                  std::string("unknown key \"") + it.key() + "\"");
    }
  }
}

}  // namespace tinynas::nas
