#include "profiler/qemu_board.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>

#include "profiler/interrupt_cleanup.h"
#include "profiler/socket_transport.h"

namespace tinynas::profiler {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kSocketName[] = "serial.sock";
constexpr char kGdbSocketName[] = "gdb.sock";
constexpr char kQemuTempDirPrefix[] = "tinynas-";
constexpr char kLogName[] = "qemu.log";
constexpr std::size_t kRandomSuffixLength = 6;  // mkdtemp's XXXXXX
constexpr std::size_t kLogTailBytes = 2000;
// While the runner boots, HELLO is retried while at least this much boot time is left.
constexpr milliseconds kHelloRetryMargin{500};
constexpr milliseconds kConnectAttemptTimeout{100};

}  // namespace

std::string default_firmware_path(const BoardSpec& spec) {
  const char* from_environment = std::getenv("TINYNAS_FIRMWARE_DIR");
  const fs::path dir = (from_environment != nullptr && *from_environment != '\0')
                           ? fs::path(from_environment)
                           : fs::path(TINYNAS_FIRMWARE_DIR);
  return (dir / spec.firmware / kFirmwareImageName).string();
}

std::vector<std::string> qemu_command_line(const BoardSpec& spec, const std::string& firmware,
                                           const std::string& socket_path,
                                           const std::string& gdb_socket_path) {
  if (!spec.emulator) {
    throw BoardSpecError(spec.source_path + ": board '" + spec.kind +
                         "' has no 'emulator' section: it is a real board, reach it with --port");
  }
  const EmulatorSpec& emulator = *spec.emulator;
  std::vector<std::string> argv = {
      emulator.qemu, "-machine", emulator.machine, "-nographic", "-monitor", "none", "-serial",
      "unix:" + socket_path + ",server=on,wait=off",
      // Deterministic time: one instruction = 2^shift ns, so
      // SysTick cycle counts repeat exactly from run to run.
      "-icount", "shift=" + std::to_string(emulator.icount_shift), "-kernel", firmware};
  if (!gdb_socket_path.empty()) {
    argv.insert(argv.end(), {"-gdb", "unix:" + gdb_socket_path + ",server=on,wait=off"});
  }
  argv.insert(argv.end(), emulator.extra_args.begin(), emulator.extra_args.end());
  return argv;
}

TempDir::TempDir(const std::string& prefix) {
  // The owner's pid in the name lets a later process tell a dir left by a killed one.
  std::string pattern = temp_root() + "/" + prefix + std::to_string(::getpid()) + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    throw ProcessError("cannot create a temp dir from " + pattern + ": " + std::strerror(errno));
  }
  path_ = buffer.data();
}

std::string TempDir::temp_root() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? std::string(tmp) : std::string("/tmp");
}

int TempDir::remove_stale(const std::string& prefix) {
  std::error_code error;
  int removed = 0;
  for (fs::directory_iterator it(temp_root(), error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    // <prefix><pid>-XXXXXX, where <prefix> itself may hold dashes.
    const std::size_t suffix = name.rfind('-');
    if (suffix == std::string::npos || name.size() - suffix - 1 != kRandomSuffixLength) continue;
    const std::size_t pid_start = name.rfind('-', suffix - 1) + 1;
    if (pid_start < prefix.size() || pid_start >= suffix) continue;
    const std::string pid_text = name.substr(pid_start, suffix - pid_start);
    if (pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
        info.st_uid != ::getuid()) {
      continue;
    }
    const pid_t owner = static_cast<pid_t>(std::stol(pid_text));
    if (owner == ::getpid() || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    if (fs::remove_all(it->path(), ignored) > 0) ++removed;
  }
  return removed;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

QemuBoard::QemuBoard(BoardSpec spec, QemuBoardOptions options)
    : spec_(std::move(spec)),
      options_(std::move(options)),
      firmware_path_(options_.firmware_path.empty() ? default_firmware_path(spec_)
                                                    : options_.firmware_path),
      temp_dir_(kQemuTempDirPrefix + spec_.kind + "-"),
      socket_path_(temp_dir_.path() + "/" + kSocketName),
      gdb_socket_path_(options_.gdb_server ? temp_dir_.path() + "/" + kGdbSocketName : ""),
      log_path_(temp_dir_.path() + "/" + kLogName) {
  if (!spec_.emulated()) {
    throw BoardSpecError(spec_.source_path + ": board '" + spec_.kind +
                         "' is a real board (no 'emulator' section); reach it with --port");
  }
  // What a process killed with -9 left behind (nothing could remove it then).
  static std::once_flag stale_removed;
  std::call_once(stale_removed, [] { TempDir::remove_stale(kQemuTempDirPrefix); });
  std::error_code error;
  if (!fs::is_regular_file(firmware_path_, error)) {
    throw ProcessError("board " + spec_.kind + ": firmware image " + firmware_path_ +
                       " not found (build the firmware, or set TINYNAS_FIRMWARE_DIR)");
  }
  start();
}

QemuBoard::~QemuBoard() { stop(); }

void QemuBoard::start() {
  std::error_code ignored;
  fs::remove(socket_path_, ignored);
  if (!gdb_socket_path_.empty()) fs::remove(gdb_socket_path_, ignored);
  const auto argv = qemu_command_line(spec_, firmware_path_, socket_path_, gdb_socket_path_);
  spdlog::debug("board {}: starting {}", spec_.kind, fmt::join(argv, " "));
  process_ = std::make_unique<ChildProcess>(argv, log_path_);
  const char* const temp_files[] = {kSocketName, kGdbSocketName, kLogName};
  cleanup_slot_ = register_cleanup(process_->pid(), temp_dir_.path(), temp_files,
                                   static_cast<int>(std::size(temp_files)));
  const auto deadline = Clock::now() + options_.boot_timeout;
  std::string last_error;
  try {
    // Connect in short attempts so that a QEMU that exits at once is reported at once.
    std::unique_ptr<SocketTransport> transport;
    while (!transport) {
      try {
        transport = connect_unix_socket(socket_path_, kConnectAttemptTimeout);
      } catch (const TransportError&) {
        if (!process_->running() || Clock::now() >= deadline) throw;
      }
    }
    if (client_) {
      client_->replace_transport(std::move(transport));
    } else {
      client_ = std::make_unique<BoardClient>(std::move(transport), spec_.kind, options_.client);
    }
    // Health check: the runner answers HELLO once it has booted; retry until the deadline.
    for (;;) {
      if (!process_->running()) break;
      try {
        info_ = client_->hello();
        break;
      } catch (const BoardTimeoutError& e) {
        last_error = e.what();
        if (Clock::now() + kHelloRetryMargin >= deadline) throw;
      }
    }
  } catch (const std::exception& e) {
    last_error = e.what();
  }
  if (!process_->running()) {
    const std::string how = process_->exit_description();
    stop();
    throw ProcessError("board " + spec_.kind + ": QEMU " + how + " during boot; its output:\n" +
                       log_tail());
  }
  if (!last_error.empty() && info_.board.empty()) {
    stop();
    throw BoardError("board " + spec_.kind + ": no HELLO within " +
                     std::to_string(options_.boot_timeout.count()) + " ms of starting QEMU (" +
                     last_error + "); QEMU output:\n" + log_tail());
  }
  if (info_.board != spec_.kind) {
    const std::string reported = info_.board;
    stop();
    throw BoardError("board " + spec_.kind + ": firmware " + firmware_path_ + " reports board '" +
                     reported + "'");
  }
  spdlog::debug("board {}: up (pid {}, firmware {})", spec_.kind, process_->pid(),
                info_.firmware_version);
}

void QemuBoard::stop() {
  if (process_) process_->kill();
  unregister_cleanup(cleanup_slot_);
  cleanup_slot_ = -1;
  if (client_) client_->transport().close();
}

void QemuBoard::restart() {
  stop();
  info_ = BoardInfo{};
  start();
}

std::string QemuBoard::gdb_address() const {
  return gdb_socket_path_.empty() ? std::string() : "unix:" + gdb_socket_path_;
}

bool QemuBoard::running() { return process_ && process_->running(); }

pid_t QemuBoard::pid() const { return process_ ? process_->pid() : -1; }

void QemuBoard::suspend() {
  if (process_) process_->suspend();
}

void QemuBoard::resume() {
  if (process_) process_->resume();
}

std::string QemuBoard::log_tail() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  if (all.empty()) return "(no output)";
  return all.size() <= kLogTailBytes ? all : "..." + all.substr(all.size() - kLogTailBytes);
}

}  // namespace tinynas::profiler
