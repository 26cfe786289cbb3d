#include "profiler/qemu_pty.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "profiler/interrupt_cleanup.h"

namespace tinynas::profiler {

namespace {
constexpr std::chrono::milliseconds kPollInterval{20};
constexpr char kLogName[] = "qemu.log";
}  // namespace

std::vector<std::string> qemu_command_line_with_serial(const BoardSpec& spec,
                                                       const std::string& firmware,
                                                       const std::string& serial) {
  std::vector<std::string> argv = qemu_command_line(spec, firmware, "unused");
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-serial") {
      argv[i + 1] = serial;
      break;
    }
  }
  return argv;
}

QemuPty::QemuPty(const BoardSpec& spec, const std::string& firmware,
                 std::chrono::milliseconds timeout)
    : dir_("tinynas-pty-"), firmware_(firmware.empty() ? default_firmware_path(spec) : firmware) {
  const std::string log = dir_.path() + "/" + kLogName;
  process_ =
      std::make_unique<ChildProcess>(qemu_command_line_with_serial(spec, firmware_, "pty"), log);
  static const char* const kFiles[] = {kLogName};
  cleanup_slot_ = register_cleanup(process_->pid(), dir_.path(), kFiles, 1);
  // QEMU says: "char device redirected to /dev/pts/N (label serial0)".
  const std::regex pts("/dev/pts/[0-9]+");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log);
    std::stringstream content;
    content << in.rdbuf();
    text = content.str();
    std::smatch match;
    if (std::regex_search(text, match, pts)) {
      path_ = match.str();
      return;
    }
    if (!process_->running()) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  process_->kill();
  unregister_cleanup(cleanup_slot_);
  throw ProcessError("QEMU (" + spec.kind + ", " + firmware_ +
                     ") named no pseudo-terminal; it said: " + text);
}

QemuPty::~QemuPty() {
  process_->kill();
  unregister_cleanup(cleanup_slot_);
}

}  // namespace tinynas::profiler
