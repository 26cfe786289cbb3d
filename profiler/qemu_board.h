// An emulated board: qemu-system-arm running the tinynas runner for a board kind, its serial
// line on a unix socket in a private temp dir, and a BoardClient talking to it. Starting it
// health-checks the runner with HELLO; reset kills and restarts QEMU; nothing outlives it
// (see child_process.h): not the process, not the temp dir.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "profiler/board_client.h"
#include "profiler/board_spec.h"
#include "profiler/child_process.h"

namespace tinynas::profiler {

inline constexpr char kFirmwareImageName[] = "tinynas-runner.elf";

// The runner image of `spec`: <dir>/<spec.firmware>/tinynas-runner.elf, where <dir> is
// $TINYNAS_FIRMWARE_DIR or else the build tree's firmware/ directory.
std::string default_firmware_path(const BoardSpec& spec);

// The QEMU command line for `spec` booting `firmware` with its first serial port on a unix
// socket server at `socket_path` (wait=off: QEMU runs without waiting for the host), and when
// `gdb_socket_path` is not empty, its gdbstub on a unix socket server there.
std::vector<std::string> qemu_command_line(const BoardSpec& spec, const std::string& firmware,
                                           const std::string& socket_path,
                                           const std::string& gdb_socket_path = "");

struct QemuBoardOptions {
  std::string firmware_path;  // empty: default_firmware_path(spec)
  // From starting QEMU to the first HELLO reply (socket connect + runner boot).
  std::chrono::milliseconds boot_timeout{15000};
  BoardClientOptions client;
  // Also serve QEMU's gdbstub (gdb_address()), for the fast model upload (gdb_model_upload.h).
  bool gdb_server = false;
};

// A private directory under $TMPDIR (or /tmp), <prefix><pid>-XXXXXX, removed with everything in
// it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  // Removes the dirs of `prefix` whose owning process is gone (killed before it could remove
  // them); returns how many.
  static int remove_stale(const std::string& prefix);
  static std::string temp_root();  // $TMPDIR, else /tmp
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class QemuBoard {
 public:
  // Starts QEMU and waits for HELLO. Throws BoardSpecError for a board without an emulator,
  // ProcessError / BoardError (with QEMU's own output) when the board does not come up.
  explicit QemuBoard(BoardSpec spec, QemuBoardOptions options = {});
  ~QemuBoard();
  QemuBoard(const QemuBoard&) = delete;
  QemuBoard& operator=(const QemuBoard&) = delete;

  BoardClient& client() { return *client_; }
  // HELLO reply of the current QEMU instance.
  const BoardInfo& info() const { return info_; }
  const BoardSpec& spec() const { return spec_; }
  const std::string& firmware_path() const { return firmware_path_; }
  const std::string& socket_path() const { return socket_path_; }
  // "unix:PATH" of QEMU's gdbstub, empty unless options.gdb_server.
  std::string gdb_address() const;

  // Kills QEMU and boots a fresh one (the board's hard reset); the client keeps working.
  void restart();
  // Kills QEMU; client requests then fail with BoardLinkError until restart().
  void stop();
  bool running();
  pid_t pid() const;
  // SIGSTOP / SIGCONT QEMU: a board that stops answering without closing its line.
  void suspend();
  void resume();
  // The last lines QEMU printed (stdout and stderr), for error messages.
  std::string log_tail() const;

 private:
  void start();

  BoardSpec spec_;
  QemuBoardOptions options_;
  std::string firmware_path_;
  TempDir temp_dir_;
  std::string socket_path_;
  std::string gdb_socket_path_;  // empty: no gdbstub
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
  std::unique_ptr<BoardClient> client_;
  BoardInfo info_;
  int cleanup_slot_ = -1;  // interrupt_cleanup.h registration of the running QEMU
};

}  // namespace tinynas::profiler
