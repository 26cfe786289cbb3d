// Reading a .tnm file from disk: the header and the size it declares are checked before the
// file is read, so a large file that is no model is refused without reading it.
#include "engine/compiler/model_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "engine/compiler/model_writer.h"
#include "engine/runtime/model_format.h"
#include "tests/engine/compiler/model_test_graphs.h"

namespace tinynas::compiler {
namespace {

namespace fs = std::filesystem;

constexpr uintmax_t kLargeFileBytes = uintmax_t{256} << 20;
constexpr uint64_t kReadBudget = uint64_t{1} << 20;

// Bytes this process has read through read(2) and friends so far (/proc/self/io "rchar").
uint64_t bytes_read() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  return 0;
}

class ModelFileReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tinynas-model-file-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `head` followed by zeros up to `size` bytes (a sparse file: nothing is written for them).
  std::string sparse_file(const std::vector<uint8_t>& head, uintmax_t size) {
    const fs::path path = dir_ / "large.tnm";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(head.data()),
               static_cast<std::streamsize>(head.size()));
    fs::resize_file(path, size);
    return path.string();
  }

  std::string load_error(const std::string& path, uint64_t* read) {
    const uint64_t before = bytes_read();
    std::string error;
    try {
      load_model_file(path);
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    *read = bytes_read() - before;
    return error;
  }

  fs::path dir_;
};

std::vector<uint8_t> valid_model() {
  const Graph graph = testing::make_test_graph();
  return write_model(graph, testing::make_sequential_plan(graph, false));
}

TEST_F(ModelFileReadTest, ALargeFileWithABadMagicIsRefusedWithoutReadingIt) {
  const std::string path =
      sparse_file({'n', 'o', 't', ' ', 'a', ' ', 'm', 'o', 'd', 'e', 'l'}, kLargeFileBytes);
  uint64_t read = 0;
  const std::string error = load_error(path, &read);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("bad magic"), std::string::npos) << error;
  EXPECT_LT(read, kReadBudget);
}

TEST_F(ModelFileReadTest, AFileLargerThanItsHeaderDeclaresIsRefusedWithoutReadingIt) {
  const std::vector<uint8_t> model = valid_model();
  const std::string path = sparse_file(model, kLargeFileBytes);
  uint64_t read = 0;
  const std::string error = load_error(path, &read);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("declares " + std::to_string(model.size()) + " bytes"), std::string::npos)
      << error;
  EXPECT_NE(error.find(std::to_string(kLargeFileBytes)), std::string::npos) << error;
  EXPECT_LT(read, kReadBudget);
}

TEST_F(ModelFileReadTest, AValidModelLoadsAndATruncatedOneIsNamed) {
  const std::vector<uint8_t> model = valid_model();
  const std::string path = (dir_ / "ok.tnm").string();
  write_model_file(path, model);
  EXPECT_EQ(load_model_file(path).bytes(), model);
  const std::string truncated = (dir_ / "truncated.tnm").string();
  write_model_file(truncated, std::vector<uint8_t>(model.begin(), model.begin() + 100));
  uint64_t read = 0;
  EXPECT_NE(load_error(truncated, &read).find("truncated.tnm"), std::string::npos);
  const std::string tiny = (dir_ / "tiny.tnm").string();
  write_model_file(tiny, std::vector<uint8_t>(model.begin(), model.begin() + 10));
  EXPECT_NE(load_error(tiny, &read).find("tiny.tnm"), std::string::npos);
  EXPECT_NE(load_error(dir_.string(), &read).find("directory"), std::string::npos);
}

}  // namespace
}  // namespace tinynas::compiler
