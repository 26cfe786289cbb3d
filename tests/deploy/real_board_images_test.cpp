// The runner images of the real boards (board files without an "emulator": built by the normal
// build, never run in CI) link for their board, and what their sections take fits the board
// file's memory: code and constants in its flash, the static RAM and the model region (RAM in
// this firmware version) in its SRAM, with the arena, scratch and model region the board file
// promises. Skipped when arm-none-eabi-gcc did not build the images.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "deploy/export_build.h"
#include "profiler/board_spec.h"

namespace tinynas::deploy {
namespace {

namespace fs = std::filesystem;

TEST(RealBoardImages, SectionsFitTheBoardFile) {
  int boards = 0;
  for (const profiler::BoardSpec& spec :
       profiler::list_board_specs(std::string(TINYNAS_SOURCE_DIR) + "/configs/boards")) {
    if (spec.emulated()) continue;
    SCOPED_TRACE(spec.kind);
    const fs::path elf = fs::path(TINYNAS_FIRMWARE_DIR) / spec.firmware / "tinynas-runner.elf";
    if (!fs::is_regular_file(elf)) GTEST_SKIP() << "no runner image at " << elf;
    ++boards;
    const ImageSize size = read_image_size(elf.string());
    EXPECT_GT(size.sections.at(".text"), 0u);
    EXPECT_LE(size.flash_bytes, spec.flash_bytes);
    EXPECT_EQ(size.arena_bytes, spec.arena_capacity_bytes);
    EXPECT_EQ(size.scratch_bytes, spec.scratch_capacity_bytes);
    EXPECT_EQ(size.stack_bytes, spec.stack_bytes);
    ASSERT_EQ(spec.model_region, "ram");
    EXPECT_EQ(size.sections.at(".model_region"), spec.model_region_bytes);
    // Static RAM counts the model region too (it is a RAM section here).
    EXPECT_LE(size.static_ram_bytes, spec.sram_bytes);
  }
  // stm32f746g-disco, arduino-nano-33-ble, nucleo-h743zi at least.
  EXPECT_GE(boards, 3);
}

}  // namespace
}  // namespace tinynas::deploy
