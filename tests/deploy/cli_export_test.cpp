// `tinynas export` as a user runs it: the project is written and its planned sizes printed;
// an impossible request (verify a real board without its port) fails before anything is built.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/deploy/cli_command.h"
#include "tests/deploy/export_test_models.h"

namespace tinynas {
namespace {

namespace fs = std::filesystem;

using testing::CommandResult;
using testing::run_cli;

fs::path write_test_model(const fs::path& dir) {
  fs::create_directories(dir);
  const std::vector<uint8_t> bytes = testing::rgb_model().bytes();
  const fs::path path = dir / "rgb.tnm";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path;
}

TEST(CliExport, WritesTheProjectAndPrintsThePlannedSizes) {
  const fs::path dir = fs::path(TINYNAS_EXPORT_TEST_DIR) / "cli";
  fs::remove_all(dir);
  const fs::path model = write_test_model(dir);
  const compiler::LoadedModel loaded = testing::rgb_model();
  const CommandResult result = run_cli("export " + model.string() +
                                       " --board qemu-mps2-an386 --out " + (dir / "out").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("model " + std::to_string(loaded.size()) + " B in flash"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("arena " + std::to_string(loaded.view().arena_size()) + " B"),
            std::string::npos)
      << result.output;
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "model" / "model.cpp"));
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "CMakeLists.txt"));
}

TEST(CliExport, RefusesToOverwriteTheUsersFilesWithoutForce) {
  const fs::path dir = fs::path(TINYNAS_EXPORT_TEST_DIR) / "cli-users-dir";
  fs::remove_all(dir);
  const fs::path model = write_test_model(dir);
  fs::create_directories(dir / "out" / "app");
  std::ofstream(dir / "out" / "README.md") << "my readme\n";
  std::ofstream(dir / "out" / "app" / "main.cpp") << "int main() { return 0; }\n";
  const std::string export_command =
      "export " + model.string() + " --board qemu-mps2-an386 --out " + (dir / "out").string();
  const CommandResult refused = run_cli(export_command);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("--force"), std::string::npos) << refused.output;
  std::ifstream readme(dir / "out" / "README.md");
  std::string first_line;
  std::getline(readme, first_line);
  EXPECT_EQ(first_line, "my readme");
  const CommandResult forced = run_cli(export_command + " --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "model" / "model.cpp"));
}

TEST(CliExport, VerifyOnARealBoardWithoutItsPortFailsBeforeWritingAnything) {
  const fs::path dir = fs::path(TINYNAS_EXPORT_TEST_DIR) / "cli-real";
  fs::remove_all(dir);
  const fs::path model = write_test_model(dir);
  const CommandResult result =
      run_cli("export " + model.string() + " --board stm32f746g-disco --out " +
              (dir / "out").string() + " --verify 3");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("--port"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace
}  // namespace tinynas
