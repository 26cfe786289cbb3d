// The command line of the whole-process benches (board_cycles, firmware_layer_counts,
// firmware_macs_per_cycle): comma-separated lists, the usage message, the --json report file,
// and main()'s error exit.
#pragma once

#include <cstdio>
#include <exception>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynas::bench {

// "a,b,,c" -> {"a", "b", "c"}.
inline std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

// The entry of `entries` whose `key` is `key`; else an error naming the `option` and its value.
template <typename Entry>
const Entry& find_key(const std::vector<Entry>& entries, const std::string& key,
                      const std::string& option, const std::string& what) {
  for (const Entry& entry : entries) {
    if (entry.key == key) return entry;
  }
  throw std::invalid_argument(option + ": unknown " + what + " '" + key + "'");
}

// Writes `report` to `path` (nothing when `path` is empty).
inline void write_json_report(const std::string& path, const nlohmann::json& report) {
  if (path.empty()) return;
  std::ofstream out(path);
  if (!out) throw std::runtime_error(path + ": cannot write");
  out << report.dump(2) << "\n";
}

// An unknown or incomplete argument: "usage: <argv0> <options>" on stderr; returns the exit code.
inline int usage(const char* argv0, const char* options) {
  std::fprintf(stderr, "usage: %s %s\n", argv0, options);
  return 2;
}

// main() of a bench: run(argc, argv), or "<name>: <what went wrong>" on stderr and exit code 1.
inline int run_bench(const char* name, int (*run)(int, char**), int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace tinynas::bench
