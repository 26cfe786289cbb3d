// Exported projects cross-built with arm-none-eabi-gcc (stm32f746g-disco: built only; it is a
// real board) and run under QEMU (qemu-mps2-an386): flash and static RAM read from the ELF
// equal the planner's figures, and every output the board sends back equals the host engine's.
// Skipped when the toolchain or QEMU is not installed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "deploy/export_build.h"
#include "deploy/export_project.h"
#include "deploy/export_verify.h"
#include "tests/deploy/export_test_models.h"

namespace tinynas::deploy {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kFashionSamples = 12;
constexpr std::size_t kRandomSamples = 3;

bool have(const char* program) {
  return std::system((std::string("command -v ") + program + " > /dev/null 2>&1").c_str()) == 0;
}

struct BuiltExport {
  ExportProject project;
  ExportBuild build;
  ImageSize size;
};

BuiltExport export_and_build(const compiler::LoadedModel& model, const std::string& board,
                             const std::string& name) {
  const fs::path dir = fs::path(TINYNAS_EXPORT_TEST_DIR) / name;
  // Re-exported over the previous export, whose build/ stays for ccache-friendly rebuilds; a
  // directory from before export kept a manifest is not one export would write into.
  if (!fs::exists(dir / kExportManifestName)) fs::remove_all(dir);
  const ExportSource source{model, name, "", "", std::nullopt, nullptr, {}};
  BuiltExport built;
  built.project = write_export_project(source, profiler::find_board_spec(board), dir.string());
  built.build = build_export_project(built.project.dir);
  built.size = read_image_size(built.build.elf);
  return built;
}

void expect_planned_sizes(const BuiltExport& built, const compiler::LoadedModel& model) {
  EXPECT_EQ(built.size.model_array_bytes, model.size());
  EXPECT_EQ(built.size.arena_bytes, model.view().arena_size());
  EXPECT_EQ(built.size.scratch_bytes, model.view().scratch_size());
  EXPECT_GT(built.size.flash_bytes, model.size());  // the model plus runtime and application
  EXPECT_GE(built.size.static_ram_bytes,
            uint64_t{model.view().arena_size()} + model.view().scratch_size());
}

class ExportFirmware : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("arm-none-eabi-gcc") || !have("cmake")) {
      GTEST_SKIP() << "arm-none-eabi-gcc or cmake not installed";
    }
  }
};

TEST_F(ExportFirmware, Stm32f746gDiscoExportBuildsWithThePlannedSizes) {
  const compiler::LoadedModel model = testing::fashion_shaped_model();
  const BuiltExport built = export_and_build(model, "stm32f746g-disco", "fw-disco");
  expect_planned_sizes(built, model);
  EXPECT_TRUE(fs::file_size(built.build.bin) > model.size());
}

TEST_F(ExportFirmware, QemuAn386ExportIsBitExactWithTheHostEngineOnFashionMnist) {
  if (!have("qemu-system-arm")) GTEST_SKIP() << "qemu-system-arm not installed";
  const compiler::LoadedModel model = testing::fashion_shaped_model();
  const BuiltExport built = export_and_build(model, "qemu-mps2-an386", "fw-an386-fmnist");
  expect_planned_sizes(built, model);

  VerifyOptions options;
  options.samples = kFashionSamples;
  const VerifyResult result =
      verify_export(model, profiler::find_board_spec("qemu-mps2-an386"), built.build.elf, options);
  EXPECT_EQ(result.board, "qemu-mps2-an386");
  EXPECT_NE(result.firmware_version.find("tinynas-export"), std::string::npos);
  EXPECT_EQ(result.samples, kFashionSamples);
  EXPECT_TRUE(result.labeled);
  EXPECT_TRUE(result.bit_exact()) << result.mismatches << " samples differ";
  EXPECT_EQ(result.board_correct, result.host_correct);
  EXPECT_GT(result.total_cycles, 0u);
  EXPECT_GT(result.max_stack_bytes, 0u);
}

TEST_F(ExportFirmware, QemuAn386ExportOfANonFashionShapeComparesPseudoRandomSamples) {
  if (!have("qemu-system-arm")) GTEST_SKIP() << "qemu-system-arm not installed";
  const compiler::LoadedModel model = testing::rgb_model();
  const BuiltExport built = export_and_build(model, "qemu-mps2-an386", "fw-an386-rgb");
  VerifyOptions options;
  options.samples = kRandomSamples;
  const VerifyResult result =
      verify_export(model, profiler::find_board_spec("qemu-mps2-an386"), built.build.elf, options);
  EXPECT_FALSE(result.labeled);
  EXPECT_EQ(result.samples, kRandomSamples);
  EXPECT_TRUE(result.bit_exact()) << result.mismatches << " samples differ";
}

}  // namespace
}  // namespace tinynas::deploy
