#include "config/json_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_error.h"

namespace tinynas::config {
namespace {

struct TextPosition {
  size_t line = 1;
  size_t column = 1;
};

// nlohmann reports the byte count read when the error happened (1-based position of the
// offending byte); turn it into the line and column a text editor shows.
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
// column 2: " (or "[json.exception.out_of_range.406] " for a number too large for a double);
// keep only the reason after that prefix (we give our own line and column).
std::string reason_of(const std::string& what) {
  size_t start = 0;
  if (what.rfind("[json.exception.", 0) == 0) {
    const size_t end = what.find("] ");
    if (end != std::string::npos) start = end + 2;
  }
  const std::string marker = "parse error";
  if (what.compare(start, marker.size(), marker) == 0) {
    const size_t colon = what.find(": ", start);
    if (colon != std::string::npos) start = colon + 2;
  }
  return what.substr(start);
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    const TextPosition position = position_of_byte(text, error.byte);
    std::ostringstream message;
    message << source << ":" << position.line << ":" << position.column
            << ": invalid JSON: " << reason_of(error.what());
    throw ConfigError(message.str());
  } catch (const nlohmann::json::exception& error) {
    // A number that overflows a double: the parser gives no position for it.
    throw ConfigError(source + ": invalid JSON: " + reason_of(error.what()));
  }
}

nlohmann::json read_json_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw ConfigError(path + ": is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConfigError(path + ": cannot open file");
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) throw ConfigError(path + ": read error");
  return parse_json_text(contents.str(), path);
}

}  // namespace tinynas::config
