#include "engine/compiler/json_reader.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

namespace tinynas::compiler {
namespace {

constexpr size_t kMaxDescribedLength = 60;  // "found ..." shows at most this many characters

struct TextPosition {
  size_t line = 1;
  size_t column = 1;
};

// nlohmann reports the byte count read when the error happened (1-based position of the
// offending byte); turn it into a line and column a text editor shows.
TextPosition position_of_byte(const std::string& text, size_t byte) {
  TextPosition position;
  const size_t end = byte == 0 ? 0 : std::min(byte - 1, text.size());
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

// nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1,
// column 2: "; keep only the reason after the last ": " prefix it adds.
std::string parse_error_reason(const std::string& what) {
  const std::string marker = "parse error";
  size_t start = what.find(marker);
  if (start == std::string::npos) return what;
  start = what.find(": ", start);
  return start == std::string::npos ? what : what.substr(start + 2);
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    const TextPosition position = position_of_byte(text, error.byte);
    std::ostringstream message;
    message << source << ":" << position.line << ":" << position.column
            << ": invalid JSON: " << parse_error_reason(error.what());
    throw SpecError(message.str());
  }
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw SpecError(path + ": cannot open file");
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) throw SpecError(path + ": read error");
  return parse_json_text(contents.str(), path);
}

std::string describe_json(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > kMaxDescribedLength) text = text.substr(0, kMaxDescribedLength) + "...";
  return text;
}

std::string json_index_path(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string json_key_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

JsonObjectReader::JsonObjectReader(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {
  if (!object_.is_object()) {
    throw SpecError((path_.empty() ? std::string("document") : path_) +
                    ": expected a JSON object, found " + describe_json(object_));
  }
}

bool JsonObjectReader::has(const std::string& key) const { return object_.contains(key); }

bool JsonObjectReader::has_non_null(const std::string& key) const {
  return object_.contains(key) && !object_.at(key).is_null();
}

const nlohmann::json& JsonObjectReader::at(const std::string& key) const {
  if (!object_.contains(key)) fail_message(key, "missing (required)");
  return object_.at(key);
}

int JsonObjectReader::integer(const std::string& key) const {
  const nlohmann::json& value = at(key);
  if (!value.is_number_integer()) fail(key, "an integer", value);
  const int64_t wide = value.get<int64_t>();
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    fail(key, "a 32-bit integer", value);
  }
  return static_cast<int>(wide);
}

std::optional<int> JsonObjectReader::optional_integer(const std::string& key) const {
  if (!has_non_null(key)) return std::nullopt;
  return integer(key);
}

double JsonObjectReader::number(const std::string& key) const {
  const nlohmann::json& value = at(key);
  if (!value.is_number()) fail(key, "a number", value);
  return value.get<double>();
}

std::optional<double> JsonObjectReader::optional_number(const std::string& key) const {
  if (!has_non_null(key)) return std::nullopt;
  return number(key);
}

std::string JsonObjectReader::string(const std::string& key) const {
  const nlohmann::json& value = at(key);
  if (!value.is_string()) fail(key, "a string", value);
  return value.get<std::string>();
}

std::optional<std::string> JsonObjectReader::optional_string(const std::string& key) const {
  if (!has_non_null(key)) return std::nullopt;
  return string(key);
}

std::optional<bool> JsonObjectReader::optional_boolean(const std::string& key) const {
  if (!has_non_null(key)) return std::nullopt;
  const nlohmann::json& value = object_.at(key);
  if (!value.is_boolean()) fail(key, "true or false", value);
  return value.get<bool>();
}

void JsonObjectReader::reject_unknown_keys(std::initializer_list<const char*> allowed) const {
  for (const auto& item : object_.items()) {
    bool known = false;
    for (const char* name : allowed) known = known || item.key() == name;
    if (known) continue;
    std::string expected;
    for (const char* name : allowed) {
      if (!expected.empty()) expected += ", ";
      expected += name;
    }
    fail_message(item.key(), "unknown key (expected one of: " + expected + ")");
  }
}

void JsonObjectReader::fail(const std::string& key, const std::string& expected,
                            const nlohmann::json& found) const {
  fail_message(key, "expected " + expected + ", found " + describe_json(found));
}

void JsonObjectReader::fail_message(const std::string& key, const std::string& message) const {
  throw SpecError(json_key_path(path_, key) + ": " + message);
}

}  // namespace tinynas::compiler
