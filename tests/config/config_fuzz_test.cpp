// Feeds the reader what users and broken tools produce: every truncation of a valid file,
// random garbage and random byte damage, and every field replaced by a value of another type.
// Whatever comes in, the answer is a value or a ConfigError whose errors name a field, never a
// crash or a library exception.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "config/field_reader.h"
#include "config/json_file.h"

namespace tinynas::config {
namespace {

using nlohmann::json;

constexpr const char* kOrigin = "fuzz.json";
constexpr int kRandomCases = 3000;

const char* const kValidText = R"({
  "name": "tiny",
  "count": 3,
  "ratio": 0.5,
  "mode": "joint",
  "flag": true,
  "child": {"depth": 2, "label": "x"},
  "list": [1, 3, 5],
  "stages": [{"channels": 16}, {"channels": 24}]
})";

// A small config that uses every kind of read.
void read_sample(const json& document) {
  FieldErrors errors;
  const ObjectReader root(document, "", errors);
  root.reject_unknown_keys({"name", "count", "ratio", "mode", "flag", "child", "list", "stages"});
  root.string("name");
  root.integer("count", 1, 100);
  root.number("ratio", 0.0, 1.0, kOptional);
  root.one_of("mode", {"plain", "joint"});
  root.boolean("flag", kOptional);
  if (const auto child = root.object("child")) {
    child->reject_unknown_keys({"depth", "label"});
    child->integer("depth", 1, 8);
    child->string("label", kOptional);
  }
  if (const auto list = root.array("list", "a non-empty array of integers", kRequired, 1)) {
    if (const auto values = list->integers(1, 9)) list->check_ascending(*values);
  }
  if (const auto stages = root.array("stages", "an array of stage objects")) {
    for (size_t i = 0; i < stages->size(); ++i) {
      const ObjectReader stage = stages->object(i);
      stage.reject_unknown_keys({"channels"});
      stage.integer("channels", 1, 1024);
    }
  }
  errors.throw_if_any(kOrigin);
}

// Parses and reads `text`: nothing, or a ConfigError that is either a syntax error naming the
// source, line and column, or a field report whose every error has a path, an expectation and
// a finding. Any other exception fails the test.
void expect_clean_outcome(const std::string& text) {
  json document;
  try {
    document = parse_json_text(text, kOrigin);
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(std::string(kOrigin) + ":", 0), 0u) << message;
    EXPECT_NE(message.find(": invalid JSON: "), std::string::npos) << message;
    EXPECT_TRUE(error.errors().empty());
    return;
  }
  try {
    read_sample(document);
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    EXPECT_EQ(
        message.rfind(
            std::string(kOrigin) + ": " + std::to_string(error.errors().size()) + " error", 0),
        0u)
        << message;
    ASSERT_FALSE(error.errors().empty());
    for (const FieldError& field : error.errors()) {
      EXPECT_FALSE(field.expected.empty()) << message;
      EXPECT_FALSE(field.found.empty()) << message;
      EXPECT_NE(message.find("\n  " + field.message()), std::string::npos) << message;
    }
  }
}

TEST(ConfigFuzz, TheValidSampleReads) {
  EXPECT_NO_THROW(read_sample(parse_json_text(kValidText, kOrigin)));
}

TEST(ConfigFuzz, EveryTruncationIsACleanSyntaxError) {
  const std::string text = kValidText;
  for (size_t length = 0; length < text.size(); ++length) {
    const std::string prefix = text.substr(0, length);
    try {
      parse_json_text(prefix, kOrigin);
      ADD_FAILURE() << "a truncated object parsed: " << prefix;
    } catch (const ConfigError& error) {
      const std::string message = error.what();
      // "<origin>:<line>:<column>: invalid JSON: ..." with a position inside the text (or just
      // after its end, where the parser ran out of input).
      size_t line = 0;
      size_t column = 0;
      ASSERT_EQ(std::sscanf(message.c_str(), "fuzz.json:%zu:%zu:", &line, &column), 2) << message;
      size_t lines = 1;
      for (const char c : prefix) lines += c == '\n' ? 1 : 0;
      EXPECT_GE(line, 1u);
      EXPECT_LE(line, lines) << message;
      EXPECT_GE(column, 1u);
      EXPECT_LE(column, prefix.size() + 1) << message;
    }
  }
}

TEST(ConfigFuzz, GarbageAndDamagedFilesFailCleanly) {
  std::mt19937 rng(20240611);
  const std::string valid = kValidText;
  const std::string alphabet = "{}[]:,\"\\ 0123456789.-+eEtrufalsn\n\t\xff\xc3";
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < kRandomCases; ++i) {
    std::string text;
    switch (i % 3) {
      case 0: {  // random bytes
        const size_t length = static_cast<size_t>(rng() % 64);
        for (size_t k = 0; k < length; ++k) text += static_cast<char>(byte(rng));
        break;
      }
      case 1: {  // random JSON-ish tokens
        const size_t length = static_cast<size_t>(rng() % 64);
        for (size_t k = 0; k < length; ++k) text += alphabet[rng() % alphabet.size()];
        break;
      }
      default: {  // the valid file with a few bytes replaced, inserted or removed
        text = valid;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits && !text.empty(); ++e) {
          const size_t at = rng() % text.size();
          const char c = alphabet[rng() % alphabet.size()];
          switch (rng() % 3) {
            case 0:
              text[at] = c;
              break;
            case 1:
              text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
              break;
            default:
              text.erase(at, 1);
          }
        }
      }
    }
    SCOPED_TRACE(text);
    expect_clean_outcome(text);
  }
}

// Every value of the document with its JSON path ("child.depth", "stages[1]").
void collect_paths(const json& value, const std::string& path,
                   std::vector<std::pair<std::string, json::json_pointer>>& out,
                   const json::json_pointer& pointer) {
  if (!path.empty()) out.emplace_back(path, pointer);
  if (value.is_object()) {
    for (const auto& item : value.items()) {
      collect_paths(item.value(), key_path(path, item.key()), out, pointer / item.key());
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      collect_paths(value[i], index_path(path, i), out, pointer / i);
    }
  }
}

const char* kind_of(const json& value) {
  if (value.is_number()) return "number";
  return value.type_name();
}

TEST(ConfigFuzz, EveryFieldOfTheWrongTypeIsNamedByItsPath) {
  const json valid = json::parse(kValidText);
  std::vector<std::pair<std::string, json::json_pointer>> paths;
  collect_paths(valid, "", paths, json::json_pointer());
  const std::vector<json> replacements = {nullptr,
                                          true,
                                          0,
                                          -1,
                                          1.5,
                                          json(uint64_t{18446744073709551615u}),
                                          "x",
                                          std::string(300, 'y'),
                                          json::array(),
                                          json::array({1, "a"}),
                                          json::object(),
                                          {{"unexpected", 1}}};
  for (const auto& [path, pointer] : paths) {
    for (const json& replacement : replacements) {
      json document = valid;
      document[pointer] = replacement;
      SCOPED_TRACE(path + " = " + replacement.dump().substr(0, 40));
      try {
        read_sample(document);
        // Accepted: the replacement was a valid value, or null for an optional field.
        EXPECT_TRUE(replacement.is_null() ||
                    std::string(kind_of(replacement)) == kind_of(valid[pointer]));
      } catch (const ConfigError& error) {
        for (const FieldError& field : error.errors()) {
          // Only the replaced field (or what it contains) is wrong.
          EXPECT_EQ(field.path.rfind(path, 0), 0u) << error.what();
        }
      }
    }
  }
}

TEST(ConfigFuzz, EveryBadFieldIsReportedAtOnce) {
  json document = json::parse(kValidText);
  document["count"] = "three";
  document["mode"] = "patch";
  document["child"]["depth"] = 0;
  document["list"] = {1, 1};
  document["stages"][1] = 24;
  document["colour"] = "red";
  try {
    read_sample(document);
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    std::vector<std::string> paths;
    for (const FieldError& field : error.errors()) paths.push_back(field.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"colour", "count", "mode", "child.depth", "list[1]",
                                               "stages[1]"}))
        << error.what();
  }
}

}  // namespace
}  // namespace tinynas::config
