// Builds an exported project with cmake + arm-none-eabi-gcc and reads what the image costs from
// the ELF (arm-none-eabi-size -A, arm-none-eabi-nm), next to what the planner predicted.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynas::deploy {

class ExportBuildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ExportBuildOptions {
  std::string build_dir;   // empty: <project>/build
  bool use_ccache = true;  // when ccache is on PATH
};

struct ExportBuild {
  std::string elf;  // <build>/firmware.elf
  std::string bin;  // <build>/firmware.bin
  std::string log;  // <build>/tinynas-export-build.log: cmake's own output
};

// Runs cmake configure and build; throws ExportBuildError with the tail of the build log when
// either fails (or cmake / arm-none-eabi-gcc is missing).
ExportBuild build_export_project(const std::string& project_dir,
                                 const ExportBuildOptions& options = {});

// Where the bytes of an image go, from the ELF's section table.
struct ImageSize {
  uint64_t flash_bytes = 0;       // code region: vectors, code, constants (the model), .data image
  uint64_t static_ram_bytes = 0;  // .data + .bss + arena + scratch + stack
  uint64_t data_bytes = 0;
  uint64_t bss_bytes = 0;
  uint64_t arena_bytes = 0;        // .arena section: the model's arena buffer
  uint64_t scratch_bytes = 0;      // .scratch section
  uint64_t stack_bytes = 0;        // .stack section (the board's stack reservation)
  uint64_t model_array_bytes = 0;  // the embedded .tnm array (symbol model_file_bytes), 0 if absent
  std::map<std::string, uint64_t> sections;  // every allocated section by name
};

// Parses `arm-none-eabi-size -A` output; throws ExportBuildError on a line it cannot read.
ImageSize parse_section_sizes(const std::string& size_output);
// Runs arm-none-eabi-size -A and arm-none-eabi-nm -S on `elf`.
ImageSize read_image_size(const std::string& elf);

// Runs argv (argv[0] looked up on PATH) with stdout and stderr appended to `log_path`; returns
// the exit status (127 when it could not be started).
int run_logged(const std::vector<std::string>& argv, const std::string& log_path);

}  // namespace tinynas::deploy
