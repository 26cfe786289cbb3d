#include "config/json_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/config_error.h"

namespace tinynas::config {
namespace {

std::string write_temp(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// The ConfigError message of reading `path`.
std::string read_error(const std::string& path) {
  try {
    read_json_file(path);
  } catch (const ConfigError& error) {
    EXPECT_TRUE(error.errors().empty()) << "a file error lists no fields";
    return error.what();
  }
  return "(no error)";
}

TEST(JsonFile, ReadsADocument) {
  const std::string path = write_temp("good.json", "{\"a\": [1, 2.5, \"x\"], \"b\": null}\n");
  const nlohmann::json document = read_json_file(path);
  EXPECT_EQ(document["a"][1], 2.5);
  EXPECT_TRUE(document["b"].is_null());
}

TEST(JsonFile, MissingFileNamesThePath) {
  EXPECT_EQ(read_error("/nonexistent/job.json"), "/nonexistent/job.json: cannot open file");
}

TEST(JsonFile, ADirectoryIsNotAFile) {
  const std::string dir = ::testing::TempDir() + "a-folder.json";
  std::filesystem::create_directories(dir);
  EXPECT_EQ(read_error(dir), dir + ": is a directory");
}

TEST(JsonFile, SyntaxErrorGivesLineAndColumn) {
  const std::string path =
      write_temp("broken.json", "{\n  \"format\": \"tinynas-arch/1\",\n  \"name\": tiny\n}\n");
  // Line 3, column 12: the 'i' of `tiny`, where the parser knew it is no literal (true).
  EXPECT_EQ(read_error(path).rfind(path + ":3:12: invalid JSON: ", 0), 0u) << read_error(path);
}

TEST(JsonFile, TruncatedFileFailsAtItsEnd) {
  const std::string path = write_temp("truncated.json", "{\n  \"format\": \"tinynas-arch/1\",\n");
  EXPECT_EQ(read_error(path).rfind(path + ":3:1: invalid JSON: ", 0), 0u) << read_error(path);
}

TEST(JsonFile, EmptyFileIsInvalidJson) {
  const std::string path = write_temp("empty.json", "");
  EXPECT_EQ(read_error(path).rfind(path + ":1:1: invalid JSON: ", 0), 0u) << read_error(path);
}

TEST(JsonFile, TheReasonHasNoLibraryPrefix) {
  try {
    parse_json_text("[1, 2,, 3]", "text");
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("text:1:7: invalid JSON: ", 0), 0u) << message;
    EXPECT_EQ(message.find("json.exception"), std::string::npos) << message;
  }
}

TEST(JsonFile, ANumberTooLargeForADoubleIsInvalidJson) {
  try {
    parse_json_text("{\"x\": 1e999}", "big.json");
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_STREQ(error.what(), "big.json: invalid JSON: number overflow parsing '1e999'");
  }
}

}  // namespace
}  // namespace tinynas::config
