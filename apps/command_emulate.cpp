// tinynas emulate --board KIND [--firmware ELF]
// Boots an emulated board with its UART on a pseudo-terminal and waits (Ctrl-C stops it), so
// any serial-port client can talk to it like to a real board: the MLPerf Tiny reference runner
// (pyserial), a terminal program, or `tinynas benchmark --port /dev/pts/N`.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "apps/commands.h"
#include "profiler/board_spec.h"
#include "profiler/interrupt_cleanup.h"
#include "profiler/qemu_pty.h"

namespace tinynas::apps {

namespace {

struct EmulateCommandOptions {
  std::string board;
  std::string firmware;
};

void run_emulate(const EmulateCommandOptions& options) {
  const profiler::BoardSpec spec = profiler::find_board_spec(options.board);
  profiler::install_interrupt_cleanup();
  profiler::QemuPty qemu(spec, options.firmware);
  fmt::print("{} ({}) serial port: {}\n", spec.kind, qemu.firmware_path(), qemu.path());
  fmt::print("waiting; Ctrl-C stops the board\n");
  std::fflush(stdout);
  while (qemu.running()) ::pause();
}

}  // namespace

void register_emulate_command(CLI::App& app) {
  auto options = std::make_shared<EmulateCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "emulate",
      "Boot an emulated board with its UART on a pseudo-terminal (/dev/pts/N) for any serial "
      "client, e.g. the MLPerf Tiny runner; runs until Ctrl-C");
  command->add_option("--board", options->board, "emulated board kind (see `tinynas boards`)")
      ->required();
  command->add_option("--firmware", options->firmware,
                      "image to boot (default: the tinynas runner of the board; an exported "
                      "--protocol mlperf-tiny firmware boots straight into that protocol)");
  command->callback([options] { run_emulate(*options); });
}

}  // namespace tinynas::apps
