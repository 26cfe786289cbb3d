#include "profiler/board_spec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "profiler/qemu_board.h"

namespace tinynas::profiler {
namespace {

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

constexpr char kEmulatedBoard[] = R"({
  "kind": "test-board", "core": "cortex-m4", "clock_hz": 25000000,
  "sram_bytes": 4194304, "flash_bytes": 4194304, "model_region": "ram",
  "model_region_bytes": 65536, "dsp": true, "firmware": "test-fw",
  "emulator": {"qemu": "qemu-system-arm", "machine": "mps2-an386", "icount_shift": 5}
})";

TEST(BoardSpec, ReadsAnEmulatedBoard) {
  TempDir dir("tinynas-test-");
  write_file(dir.path() + "/test-board.json", kEmulatedBoard);
  const BoardSpec spec = find_board_spec("test-board", dir.path());
  EXPECT_EQ(spec.core, "cortex-m4");
  EXPECT_EQ(spec.clock_hz, 25000000u);
  ASSERT_TRUE(spec.emulated());
  EXPECT_EQ(spec.emulator->machine, "mps2-an386");
  EXPECT_EQ(spec.emulator->icount_shift, 5);
  const auto argv = qemu_command_line(spec, "/fw.elf", "/tmp/x/serial.sock");
  const std::string line = [&] {
    std::string joined;
    for (const auto& a : argv) joined += a + " ";
    return joined;
  }();
  EXPECT_NE(line.find("-machine mps2-an386"), std::string::npos) << line;
  EXPECT_NE(line.find("-serial unix:/tmp/x/serial.sock,server=on,wait=off"), std::string::npos);
  EXPECT_NE(line.find("-icount shift=5"), std::string::npos) << line;
  EXPECT_NE(line.find("-monitor none"), std::string::npos) << line;
  EXPECT_NE(line.find("-kernel /fw.elf"), std::string::npos) << line;
}

TEST(BoardSpec, MissingFieldsNameFileAndEveryField) {
  TempDir dir("tinynas-test-");
  const std::string path = dir.path() + "/bad.json";
  write_file(path, R"({"kind": "bad", "core": "cortex-m4"})");
  try {
    load_board_spec(path);
    FAIL() << "expected BoardSpecError";
  } catch (const BoardSpecError& e) {
    const std::string u32 = "expected an integer in [1, 4294967295], found missing";
    EXPECT_EQ(std::string(e.what()),
              path + ": 5 errors\n  clock_hz: " + u32 + "\n  sram_bytes: " + u32 +
                  "\n  flash_bytes: " + u32 +
                  "\n  model_region: expected one of \"ram\", \"flash\", found missing" +
                  "\n  model_region_bytes: " + u32);
  }
}

TEST(BoardSpec, WrongTypeSaysWhatWasExpected) {
  TempDir dir("tinynas-test-");
  const std::string path = dir.path() + "/bad.json";
  write_file(path, R"({"kind": "bad", "core": "m4", "clock_hz": "fast"})");
  try {
    load_board_spec(path);
    FAIL() << "expected BoardSpecError";
  } catch (const BoardSpecError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "clock_hz: expected an integer in [1, 4294967295], found \"fast\""),
              std::string::npos)
        << e.what();
  }
}

TEST(BoardSpec, FileErrorsAreBoardSpecErrors) {
  TempDir dir("tinynas-test-");
  EXPECT_THROW(load_board_spec(dir.path() + "/missing.json"), BoardSpecError);
  const std::string path = dir.path() + "/broken.json";
  write_file(path, "{\"kind\": ");
  try {
    load_board_spec(path);
    FAIL() << "expected BoardSpecError";
  } catch (const BoardSpecError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ":1:10: invalid JSON: ", 0), 0u) << e.what();
  }
}

TEST(BoardSpec, EmulatorAndSerialFieldsAreNamedByTheirPath) {
  TempDir dir("tinynas-test-");
  const std::string path = dir.path() + "/bad.json";
  write_file(path, R"({
    "kind": "bad", "core": "cortex-m4", "clock_hz": 1, "sram_bytes": 1, "flash_bytes": 1,
    "model_region": "rom", "model_region_bytes": 1,
    "emulator": {"icount_shift": 11, "extra_args": ["-s", 3]}, "serial": {"baud": 0}})");
  try {
    load_board_spec(path);
    FAIL() << "expected BoardSpecError";
  } catch (const BoardSpecError& e) {
    std::vector<std::string> paths;
    for (const config::FieldError& field : e.errors()) paths.push_back(field.path);
    EXPECT_EQ(paths,
              (std::vector<std::string>{"model_region", "emulator.machine", "emulator.icount_shift",
                                        "emulator.extra_args[1]", "serial.baud"}))
        << e.what();
  }
}

TEST(BoardSpec, UnknownKindListsTheKnownOnes) {
  TempDir dir("tinynas-test-");
  write_file(dir.path() + "/test-board.json", kEmulatedBoard);
  try {
    find_board_spec("no-such-board", dir.path());
    FAIL() << "expected BoardSpecError";
  } catch (const BoardSpecError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown board kind 'no-such-board'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("test-board"), std::string::npos) << e.what();
  }
}

TEST(BoardSpec, RealBoardHasNoQemuCommandLine) {
  TempDir dir("tinynas-test-");
  write_file(dir.path() + "/real.json", R"({
    "kind": "real", "core": "cortex-m7", "clock_hz": 216000000, "sram_bytes": 327680,
    "flash_bytes": 1048576, "model_region": "ram", "model_region_bytes": 131072,
    "serial": {"baud": 115200}})");
  const BoardSpec spec = find_board_spec("real", dir.path());
  EXPECT_FALSE(spec.emulated());
  EXPECT_EQ(spec.baud, 115200);
  EXPECT_THROW(qemu_command_line(spec, "/fw.elf", "/tmp/s"), BoardSpecError);
}

// The repository's own board files must all parse; the board kinds the issue names exist.
TEST(BoardSpec, RepositoryBoardFilesParse) {
  const auto specs = list_board_specs(std::string(TINYNAS_SOURCE_DIR) + "/configs/boards");
  std::vector<std::string> kinds;
  for (const auto& spec : specs) kinds.push_back(spec.kind);
  for (const char* kind :
       {"qemu-mps2-an386", "qemu-mps2-an500", "qemu-netduinoplus2", "stm32f746g-disco",
        "qemu-mps2-an385",      // Cortex-M3
        "qemu-mps2-an505",      // Cortex-M33
        "qemu-riscv32-virt",    // RV32IMAC
        "qemu-mps3-an547",      // Cortex-M55
        "arduino-nano-33-ble",  // nRF52840
        "nucleo-h743zi"}) {     // STM32H743
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
  }
}

}  // namespace
}  // namespace tinynas::profiler
