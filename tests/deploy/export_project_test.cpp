// The project writer, result-dir resolution, size-report parsing and the Fashion-MNIST input
// quantization: everything of `tinynas export` that runs without a toolchain (the IDX reader it
// takes its samples from is tested in tests/datasets).
#include "deploy/export_project.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "deploy/export_build.h"
#include "deploy/export_verify.h"
#include "tests/deploy/export_test_models.h"

namespace tinynas::deploy {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(TINYNAS_EXPORT_TEST_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_model(const fs::path& path, const compiler::LoadedModel& model) {
  fs::create_directories(path.parent_path());
  const std::vector<uint8_t> bytes = model.bytes();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

TEST(ExportProject, WritesASelfContainedProjectForTheBoard) {
  const fs::path dir = fresh_dir("project-disco");
  const ExportSource source{
      testing::fashion_shaped_model(), "test model", "", "", std::nullopt, nullptr, {}};
  const ExportProject project =
      write_export_project(source, profiler::find_board_spec("stm32f746g-disco"), dir.string());
  EXPECT_EQ(project.model_bytes, source.model.size());
  EXPECT_EQ(project.arena_bytes, source.model.view().arena_size());
  for (const char* file :
       {"CMakeLists.txt", "README.md", "board.cmake", "model.tnm", "model/model.h",
        "model/model.cpp", "app/main.cpp", "tinynas/engine/runtime/c_api.cpp",
        "tinynas/engine/runtime/interpreter.h", "tinynas/firmware/protocol/frame_decoder.cpp",
        "tinynas/firmware/board/board_stm32f746g_disco.cpp",
        "tinynas/firmware/startup/startup_cortex_m.cpp",
        "tinynas/firmware/linker/stm32f746g-disco.ld", "tinynas/firmware/linker/sections.ld",
        "tinynas/firmware/cmake/arm-none-eabi.cmake"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / file)) << file;
  }
  EXPECT_EQ(read_file(dir / "model.tnm").size(), source.model.size());
  const std::string board = read_file(dir / "board.cmake");
  EXPECT_NE(board.find("set(TINYNAS_LINKER_SCRIPT stm32f746g-disco.ld)"), std::string::npos);
  EXPECT_NE(board.find("firmware/board/dwt_cycle_counter.cpp"), std::string::npos);
  EXPECT_NE(board.find("-mcpu=cortex-m7"), std::string::npos);
  EXPECT_NE(board.find("set(TINYNAS_STACK_BYTES 8192)"), std::string::npos);
}

TEST(ExportProject, SerialProtocolChoiceAndAFreshCopyOfTheSourceTree) {
  const fs::path dir = fresh_dir("project-mlperf");
  const ExportSource source{
      testing::fashion_shaped_model(), "test model", "", "", std::nullopt, nullptr, {}};
  const profiler::BoardSpec spec = profiler::find_board_spec("qemu-mps2-an386");
  write_export_project(source, spec, dir.string());
  EXPECT_NE(read_file(dir / "board.cmake").find("set(TINYNAS_SERIAL_PROTOCOL tinynas)"),
            std::string::npos);
  // A file an older tinynas copied (since renamed) must not survive a new export into the dir.
  std::ofstream(dir / "tinynas/engine/runtime/stale_old_file.cpp") << "int stale;";
  ExportWriteOptions mlperf;
  mlperf.serial_protocol = kSerialProtocolMlperfTiny;
  write_export_project(source, spec, dir.string(), mlperf);
  EXPECT_FALSE(fs::exists(dir / "tinynas/engine/runtime/stale_old_file.cpp"));
  EXPECT_NE(read_file(dir / "board.cmake").find("set(TINYNAS_SERIAL_PROTOCOL mlperf-tiny)"),
            std::string::npos);
  for (const char* file :
       {"tinynas/firmware/mlperf_tiny/dut.cpp", "tinynas/firmware/mlperf_tiny/protocol_switch.h",
        "tinynas/firmware/mlperf_tiny/th_port.h"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / file)) << file;
  }
  ExportWriteOptions unknown;
  unknown.serial_protocol = "mlperf";
  EXPECT_THROW(write_export_project(source, spec, dir.string(), unknown), std::runtime_error);
}

// A source tree with just what the exporter copies, so a test can add and remove files.
fs::path copy_of_export_sources(const fs::path& to) {
  const fs::path from = default_source_dir();
  for (const char* dir :
       {"engine/runtime", "firmware/protocol", "firmware/server", "firmware/mlperf_tiny",
        "firmware/board", "firmware/kernels", "firmware/startup", "firmware/runner",
        "firmware/cmake", "firmware/linker", "firmware/export"}) {
    fs::create_directories(to / dir);
    fs::copy(from / dir, to / dir, fs::copy_options::recursive);
  }
  fs::copy_file(from / "firmware/targets.json", to / "firmware/targets.json");
  return to;
}

std::string refusal_of(const ExportSource& source, const fs::path& dir,
                       const ExportWriteOptions& options = {}) {
  try {
    write_export_project(source, profiler::find_board_spec("qemu-mps2-an386"), dir.string(),
                         options);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ExportProject, RefusesToOverwriteFilesItDidNotWriteUnlessForced) {
  const fs::path dir = fresh_dir("users-project");
  const std::map<std::string, std::string> mine = {{"README.md", "my notes\n"},
                                                   {"CMakeLists.txt", "project(mine)\n"},
                                                   {"app/main.cpp", "int main() {}\n"},
                                                   {"model/model.h", "// my model\n"}};
  for (const auto& [file, text] : mine) {
    fs::create_directories((dir / file).parent_path());
    std::ofstream(dir / file) << text;
  }
  const ExportSource source{testing::rgb_model(), "test model", "", "", std::nullopt, nullptr, {}};
  const std::string refusal = refusal_of(source, dir);
  EXPECT_NE(refusal.find(dir.string()), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("--force"), std::string::npos) << refusal;
  for (const auto& [file, text] : mine) EXPECT_EQ(read_file(dir / file), text) << file;
  EXPECT_FALSE(fs::exists(dir / "board.cmake")) << "nothing is written when export refuses";

  ExportWriteOptions force;
  force.force = true;
  EXPECT_EQ(refusal_of(source, dir, force), "");
  EXPECT_NE(read_file(dir / "README.md"), mine.at("README.md"));
  EXPECT_TRUE(fs::is_regular_file(dir / kExportManifestName));
}

TEST(ExportProject, ReexportReplacesItsOwnFilesKeepsTheUsersAndRemovesStaleOnes) {
  const fs::path root = fresh_dir("reexport");
  ExportWriteOptions options;
  options.source_dir = copy_of_export_sources(root / "src").string();
  const fs::path renamed = root / "src/engine/runtime/old_name_kernel.cpp";
  std::ofstream(renamed) << "// a kernel under a name the next version no longer has\n";
  const fs::path dir = root / "out";
  const ExportSource first{testing::rgb_model(), "first", "", "", std::nullopt, nullptr, {}};
  ASSERT_EQ(refusal_of(first, dir, options), "");
  ASSERT_TRUE(fs::is_regular_file(dir / "tinynas/engine/runtime/old_name_kernel.cpp"));
  std::ofstream(dir / "notes.txt") << "the user's own file\n";
  fs::create_directories(dir / "build");
  std::ofstream(dir / "build" / "firmware.elf") << "built";

  fs::remove(renamed);
  const ExportSource second{
      testing::fashion_shaped_model(), "second", "", "", std::nullopt, nullptr, {}};
  ASSERT_EQ(refusal_of(second, dir, options), "");
  EXPECT_FALSE(fs::exists(dir / "tinynas/engine/runtime/old_name_kernel.cpp"))
      << "a file only the previous export wrote is left behind";
  EXPECT_EQ(read_file(dir / "model.tnm").size(), second.model.size());
  EXPECT_EQ(read_file(dir / "notes.txt"), "the user's own file\n");
  EXPECT_EQ(read_file(dir / "build" / "firmware.elf"), "built");

  // A file the export wrote and the user changed since is the user's now.
  std::ofstream(dir / "app" / "main.cpp", std::ios::app) << "// my change\n";
  const std::string refusal = refusal_of(first, dir, options);
  EXPECT_NE(refusal.find("app/main.cpp"), std::string::npos) << refusal;
  EXPECT_NE(read_file(dir / "app" / "main.cpp").find("// my change"), std::string::npos);
  EXPECT_EQ(read_file(dir / "model.tnm").size(), second.model.size());
}

TEST(ExportProject, RecipeFollowsTheBoardFile) {
  const BoardRecipe an386 = board_recipe(profiler::find_board_spec("qemu-mps2-an386"));
  EXPECT_EQ(an386.linker_script, "qemu-mps2-an386.ld");
  EXPECT_EQ(an386.kernels, "dsp");
  EXPECT_EQ(an386.stack_bytes, 16384u);
  const BoardRecipe plain = board_recipe(profiler::find_board_spec("qemu-mps2-an386-plain"));
  EXPECT_EQ(plain.kernels, "plain");
}

TEST(ExportProject, UnknownFirmwareTargetIsRefusedNamingTheBoardFile) {
  profiler::BoardSpec spec = profiler::find_board_spec("qemu-mps2-an386");
  spec.firmware = "mystery-board";
  try {
    board_recipe(spec);
    FAIL() << "expected profiler::BoardSpecError";
  } catch (const profiler::BoardSpecError& e) {
    EXPECT_NE(std::string(e.what()).find("mystery-board"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(spec.source_path), std::string::npos) << e.what();
  }
}

// The exported project builds with arm-none-eabi only: a RISC-V board is refused up front,
// naming the board file and the toolchain its target needs.
TEST(ExportProject, TargetOfAnotherToolchainIsRefusedNamingIt) {
  const profiler::BoardSpec spec = profiler::find_board_spec("qemu-riscv32-virt");
  try {
    board_recipe(spec);
    FAIL() << "expected profiler::BoardSpecError";
  } catch (const profiler::BoardSpecError& e) {
    EXPECT_NE(std::string(e.what()).find("riscv64-unknown-elf"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(spec.source_path), std::string::npos) << e.what();
  }
}

TEST(ExportSourceResolution, AcceptsAModelFileOrAResultDirWithOneBestModel) {
  const fs::path dir = fresh_dir("result");
  const compiler::LoadedModel model = testing::rgb_model();
  write_model(dir / "best" / "subnet-0.tnm", model);
  fs::create_directories(dir / "data" / "fmnist");
  std::ofstream(dir / "job.json")
      << R"({"dataset": {"kind": "fashion-mnist", "path": "data/fmnist"}})";
  std::ofstream(dir / "best" / "summary.json") << R"({"key": "k", "accuracy": 0.8125})";
  const ExportSource from_dir = resolve_export_source(dir.string());
  EXPECT_EQ(from_dir.model.bytes(), model.bytes());
  EXPECT_EQ(from_dir.dataset_kind, "fashion-mnist");
  EXPECT_EQ(from_dir.dataset_path, (dir / "data/fmnist").string());
  EXPECT_NE(from_dir.origin.find("best/subnet-0.tnm"), std::string::npos);
  ASSERT_TRUE(from_dir.search_accuracy.has_value());
  EXPECT_DOUBLE_EQ(*from_dir.search_accuracy, 0.8125);

  const ExportSource from_file = resolve_export_source((dir / "best" / "subnet-0.tnm").string());
  EXPECT_EQ(from_file.model.bytes(), model.bytes());
  EXPECT_TRUE(from_file.dataset_kind.empty());
  EXPECT_FALSE(from_file.search_accuracy.has_value());
}

TEST(ExportSourceResolution, RefusesAmbiguousOrMissingInput) {
  const fs::path dir = fresh_dir("result-two");
  write_model(dir / "best" / "a.tnm", testing::rgb_model());
  write_model(dir / "best" / "b.tnm", testing::rgb_model());
  EXPECT_THROW(resolve_export_source(dir.string()), std::runtime_error);
  EXPECT_THROW(resolve_export_source((dir / "missing.tnm").string()), std::runtime_error);
  const fs::path empty = fresh_dir("result-empty");
  EXPECT_THROW(resolve_export_source(empty.string()), std::runtime_error);
}

TEST(ExportSourceResolution, VerificationReadsTheRequestedElseTheJobsFashionMnist) {
  ExportSource source{
      testing::rgb_model(), "model.tnm", "fashion-mnist", "runs/x/data", {}, nullptr, {}};
  EXPECT_EQ(verify_dataset_dir(source, "/my/fmnist"), "/my/fmnist");
  EXPECT_EQ(verify_dataset_dir(source, ""), "runs/x/data");
  source.dataset_kind = "synthetic";
  EXPECT_EQ(verify_dataset_dir(source, ""), "");
}

TEST(ImageSizeReport, SplitsFlashAndStaticRamBySection) {
  const std::string output =
      "firmware.elf  :\n"
      "section              size        addr\n"
      ".vectors               64   134217728\n"
      ".text              120000   134217856\n"
      ".ARM.exidx              8   134337856\n"
      ".init_array             4   134337864\n"
      ".data                  16   536870912\n"
      ".bss                 2048   536870928\n"
      ".arena              40960   536872976\n"
      ".scratch              512   536913936\n"
      ".stack               8192   536914448\n"
      ".ARM.attributes        46           0\n"
      ".comment               73           0\n"
      ".debug_info        100000           0\n"
      "Total              280000\n";
  const ImageSize size = parse_section_sizes(output);
  EXPECT_EQ(size.flash_bytes, 64u + 120000u + 8u + 4u + 16u);
  EXPECT_EQ(size.static_ram_bytes, 16u + 2048u + 40960u + 512u + 8192u);
  EXPECT_EQ(size.arena_bytes, 40960u);
  EXPECT_EQ(size.scratch_bytes, 512u);
  EXPECT_EQ(size.stack_bytes, 8192u);
  EXPECT_EQ(size.sections.count(".debug_info"), 0u);
}

TEST(ImageSizeReport, MalformedLineIsAnError) {
  EXPECT_THROW(parse_section_sizes(".text abc 0\n"), ExportBuildError);
  EXPECT_THROW(parse_section_sizes("nothing here\n"), ExportBuildError);
}

// The supernet's input quantization (supernet/int8_lowering.cpp): scale = 1 / (255 std),
// zero point = round(255 mean) - 128, which makes q = pixel - 128 for every pixel.
TEST(FashionMnistSamples, QuantizeToPixelMinus128UnderTheSupernetsInputQuantization) {
  const float mean = 0.2860f;
  const float std_dev = 0.3530f;
  const float scale = 1.0f / (255.0f * std_dev);
  const int32_t zero_point = static_cast<int32_t>(std::lround(mean * 255.0f)) - 128;
  for (int pixel = 0; pixel <= 255; ++pixel) {
    EXPECT_EQ(quantize_fashion_mnist_pixel(static_cast<uint8_t>(pixel), scale, zero_point),
              pixel - 128)
        << "pixel " << pixel;
  }
}

}  // namespace
}  // namespace tinynas::deploy
