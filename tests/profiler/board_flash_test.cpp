#include "profiler/board_flash.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "profiler/qemu_board.h"
#include "tests/profiler/fake_flash_tools.h"

namespace tinynas::profiler {
namespace {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;

constexpr char kVersion[] = "tinynas-runner 9.9.9 (test)";

constexpr char kRealBoard[] = R"({
  "kind": "test-real", "core": "cortex-m7", "clock_hz": 216000000,
  "sram_bytes": 327680, "flash_bytes": 1048576, "model_region": "ram",
  "model_region_bytes": 131072, "serial": {"baud": 115200, "max_baud": 921600},
  "flash": {"base_address": "0x08000000", "probes": [
    {"probe": "openocd", "interface": "interface/stlink.cfg", "target": "target/stm32f7x.cfg"},
    {"probe": "st-link"},
    {"probe": "serial-bootloader", "baud": 57600}]}
})";

class BoardFlashTest : public ::testing::Test {
 protected:
  BoardFlashTest() : dir_("tinynas-flash-test-") {
    std::ofstream(dir_.path() + "/test-real.json") << kRealBoard;
    fs::create_directories(dir_.path() + "/fw/test-real");
    elf_ = dir_.path() + "/fw/test-real/tinynas-runner.elf";
    bin_ = dir_.path() + "/fw/test-real/tinynas-runner.bin";
    testing::write_fake_runner_image(elf_, kVersion);
    testing::write_fake_runner_image(bin_, kVersion);
    spec_ = find_board_spec("test-real", dir_.path());
  }
  FlashOptions options(std::optional<FlashProbe> probe, const std::string& port = "") const {
    FlashOptions flash;
    flash.probe = probe;
    flash.port = port;
    flash.firmware_path = elf_;
    return flash;
  }

  TempDir dir_;
  testing::FakeFlashTools tools_;
  std::string elf_;
  std::string bin_;
  BoardSpec spec_;
};

TEST_F(BoardFlashTest, BoardFileListsTheProbesThatFitInOrder) {
  ASSERT_TRUE(spec_.flash.has_value());
  EXPECT_EQ(spec_.flash->base_address, 0x08000000u);
  ASSERT_EQ(spec_.flash->probes.size(), 3u);
  EXPECT_EQ(spec_.flash->probes[0].probe, FlashProbe::kOpenocd);
  EXPECT_EQ(spec_.flash->probes[2].bootloader_baud, 57600);
  EXPECT_EQ(spec_.max_baud, 921600);
  EXPECT_EQ(choose_flash_probe(spec_, std::nullopt).probe, FlashProbe::kOpenocd);
}

TEST_F(BoardFlashTest, OpenocdProgramsTheElfVerifiesAndResets) {
  const FlashResult result = flash_runner(spec_, options(FlashProbe::kOpenocd));
  const Args expected = {"-f", "interface/stlink.cfg",
                         "-f", "target/stm32f7x.cfg",
                         "-c", "program " + elf_ + " verify reset exit"};
  EXPECT_EQ(tools_.arguments("openocd"), expected);
  EXPECT_EQ(result.command.front(), "openocd");
  EXPECT_EQ(result.image_version, kVersion);
}

TEST_F(BoardFlashTest, StFlashWritesTheBinaryAtTheFlashBaseAndResets) {
  flash_runner(spec_, options(FlashProbe::kStLink));
  const Args expected = {"--reset", "write", bin_, "0x08000000"};
  EXPECT_EQ(tools_.arguments("st-flash"), expected);
}

TEST_F(BoardFlashTest, Stm32flashWritesVerifiesAndStartsThroughTheRomBootloader) {
  flash_runner(spec_, options(FlashProbe::kSerialBootloader, "/dev/ttyUSB3"));
  const Args expected = {"-b", "57600",      "-w", bin_,         "-v",
                         "-S", "0x08000000", "-g", "0x08000000", "/dev/ttyUSB3"};
  EXPECT_EQ(tools_.arguments("stm32flash"), expected);
}

TEST_F(BoardFlashTest, AFailingToolIsAnErrorCarryingItsOutput) {
  tools_.fail_with(1, "Error: open failed (no ST-LINK found)");
  try {
    flash_runner(spec_, options(FlashProbe::kOpenocd));
    FAIL() << "expected FlashError";
  } catch (const FlashError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("board test-real"), std::string::npos) << message;
    EXPECT_NE(message.find("exited with status 1"), std::string::npos) << message;
    EXPECT_NE(message.find("Error: open failed (no ST-LINK found)"), std::string::npos) << message;
    EXPECT_NE(message.find("openocd -f interface/stlink.cfg"), std::string::npos) << message;
  }
}

TEST_F(BoardFlashTest, ProbesAndPortsTheBoardCannotUseAreRefusedBeforeAnythingRuns) {
  BoardSpec only_openocd = spec_;
  only_openocd.flash->probes.resize(1);
  EXPECT_THROW(flash_runner(only_openocd, options(FlashProbe::kStLink)), FlashError);
  EXPECT_THROW(flash_runner(spec_, options(FlashProbe::kSerialBootloader)), FlashError);
  EXPECT_THROW(flash_runner(spec_, options(FlashProbe::kStLink, "/dev/ttyUSB0")), FlashError);
  BoardSpec no_flash = spec_;
  no_flash.flash.reset();
  EXPECT_THROW(flash_runner(no_flash, options(std::nullopt)), FlashError);
  FlashOptions missing = options(FlashProbe::kOpenocd);
  missing.firmware_path = dir_.path() + "/nowhere/tinynas-runner.elf";
  EXPECT_THROW(flash_runner(spec_, missing), FlashError);
  EXPECT_TRUE(tools_.arguments("openocd").empty());
  EXPECT_TRUE(tools_.arguments("st-flash").empty());
  EXPECT_TRUE(tools_.arguments("stm32flash").empty());
}

TEST_F(BoardFlashTest, TheImageVersionIsTheHelloVersionNotTheMlperfName) {
  EXPECT_EQ(runner_image_version(bin_), kVersion);
  const std::string empty = dir_.path() + "/empty.bin";
  std::ofstream(empty) << "tinynas-runner test-board" << '\0';
  EXPECT_THROW(runner_image_version(empty), FlashError);
}

TEST(BoardFlash, TheBuiltRunnerImagesCarryTheirVersion) {
  BoardSpec spec;
  spec.firmware = "stm32f746g-disco";
  const std::string image = default_firmware_path(spec);
  if (!fs::exists(image)) GTEST_SKIP() << "runner images not built";
  EXPECT_EQ(runner_image_version(image).rfind("tinynas-runner ", 0), 0u);
}

TEST(BoardFlash, BadFlashSectionsAreReportedWithTheirPaths) {
  TempDir dir("tinynas-flash-test-");
  std::ofstream(dir.path() + "/bad.json") << R"({
    "kind": "bad", "core": "cortex-m7", "clock_hz": 1, "sram_bytes": 1, "flash_bytes": 1,
    "model_region": "ram", "model_region_bytes": 1,
    "flash": {"base_address": "8000000", "probes": [{"probe": "jtag"}, {"probe": "openocd"}]}})";
  try {
    load_board_spec(dir.path() + "/bad.json");
    FAIL() << "expected BoardSpecError";
  } catch (const BoardSpecError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("flash.base_address"), std::string::npos) << message;
    EXPECT_NE(message.find("flash.probes[0].probe"), std::string::npos) << message;
    EXPECT_NE(message.find("flash.probes[1].interface"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tinynas::profiler
