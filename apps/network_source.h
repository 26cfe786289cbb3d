// The options every command that takes a network description shares: --arch F (our format) or
// --net-config F (MCUNet / once-for-all), and the lowering of either to a planned graph.
#pragma once

#include <optional>
#include <string>

#include "engine/compiler/graph.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/network_spec.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace tinynas::apps {

struct NetworkSourceOptions {
  std::string arch_path;
  std::string net_config_path;
  std::optional<int> resolution;  // overrides / supplies a net config's resolution
  bool no_in_place = false;
  uint32_t seed = 1;
  std::optional<std::string> schedule;  // --schedule plain|fused|patch|auto; unset: plain
  bool scratch_in_arena = false;        // --scratch-in-arena
  std::optional<int> patch_grid;        // --patch-grid (with --schedule patch)
  std::optional<int> patch_split;       // --patch-split (with --schedule patch)
};

// Adds --arch, --net-config, --resolution, --no-in-place, --schedule and --seed to `command`;
// returns the
// --arch and --net-config options so a command can relate them to its own inputs.
struct NetworkSourceFlags {
  CLI::Option* arch;
  CLI::Option* net_config;
};
NetworkSourceFlags add_network_source_options(CLI::App& command, NetworkSourceOptions& options);

bool has_network_source(const NetworkSourceOptions& options);

// Reads whichever file was given. Throws with a message naming the file and field.
compiler::NetworkSpec load_network_spec(const NetworkSourceOptions& options);

compiler::PlannerOptions planner_options(const NetworkSourceOptions& options);

}  // namespace tinynas::apps
