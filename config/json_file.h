// Reading a JSON document from a file or a string, with errors a user can act on: the file that
// cannot be read, or the line and column of a syntax error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tinynas::config {

// Parses `text`; a syntax error throws ConfigError
// "<source>:<line>:<column>: invalid JSON: <reason>".
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

// Reads and parses a file. Throws ConfigError "<path>: cannot open file", "<path>: is a
// directory", "<path>: read error" or the syntax error of parse_json_text.
nlohmann::json read_json_file(const std::string& path);

}  // namespace tinynas::config
