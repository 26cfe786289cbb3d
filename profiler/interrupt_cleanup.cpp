#include "profiler/interrupt_cleanup.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace tinynas::profiler {
namespace {

constexpr int kMaxEntries = 32;
constexpr int kMaxFiles = 4;
constexpr std::size_t kMaxPath = 512;
constexpr int kHandledSignals[] = {SIGINT, SIGTERM, SIGHUP};

// Filled before `active` is set; the handler reads only active entries.
struct Entry {
  std::atomic<bool> active{false};
  pid_t process_group = -1;
  char dir[kMaxPath] = {};
  char files[kMaxFiles][kMaxPath] = {};
  int file_count = 0;
};

Entry g_entries[kMaxEntries];
std::mutex g_registry_mutex;  // serialises register/unregister (never taken by the handler)
std::once_flag g_installed;

void handle_signal(int signal_number) {
  for (Entry& entry : g_entries) {
    if (!entry.active.load()) continue;
    if (entry.process_group > 0) ::kill(-entry.process_group, SIGKILL);
    for (int i = 0; i < entry.file_count; ++i) ::unlink(entry.files[i]);
    ::rmdir(entry.dir);
  }
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

}  // namespace

void install_interrupt_cleanup() {
  std::call_once(g_installed, [] {
    struct sigaction action {};
    action.sa_handler = handle_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    for (const int signal_number : kHandledSignals) ::sigaction(signal_number, &action, nullptr);
  });
}

int register_cleanup(pid_t process_group, const std::string& dir, const char* const* file_names,
                     int file_count) {
  if (file_count > kMaxFiles || dir.size() + 1 >= kMaxPath) return -1;
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  for (int slot = 0; slot < kMaxEntries; ++slot) {
    Entry& entry = g_entries[slot];
    if (entry.active.load()) continue;
    entry.process_group = process_group;
    std::memcpy(entry.dir, dir.c_str(), dir.size() + 1);
    entry.file_count = 0;
    for (int i = 0; i < file_count; ++i) {
      const std::string path = dir + "/" + file_names[i];
      if (path.size() + 1 >= kMaxPath) continue;
      std::memcpy(entry.files[entry.file_count++], path.c_str(), path.size() + 1);
    }
    entry.active.store(true);
    return slot;
  }
  return -1;
}

void unregister_cleanup(int slot) {
  if (slot < 0 || slot >= kMaxEntries) return;
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  g_entries[slot].active.store(false);
}

}  // namespace tinynas::profiler
