// Ctrl-C / SIGTERM / SIGHUP while QEMU boards are running: the kernel already kills each QEMU
// (PR_SET_PDEATHSIG), but only a handler can also remove their temp dirs. The handler uses
// async-signal-safe calls only (kill, unlink, rmdir), then re-raises the signal so the exit
// status is the usual one.
#pragma once

#include <sys/types.h>

#include <string>

namespace tinynas::profiler {

// Installs the handlers (idempotent). Commands that launch boards call it once.
void install_interrupt_cleanup();

// Registers a running QEMU (its process group) and its temp dir holding the listed files
// (names relative to the dir); returns a slot for unregister_cleanup, or -1 if the table is full.
int register_cleanup(pid_t process_group, const std::string& dir, const char* const* file_names,
                     int file_count);
void unregister_cleanup(int slot);

}  // namespace tinynas::profiler
