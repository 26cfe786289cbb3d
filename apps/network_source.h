// The options every command that takes a network shares: --arch F (our format), --net-config F
// (MCUNet / once-for-all) or --tflite F (an int8 TFLite model, imported), and the lowering of
// any of them to a graph; and, for the commands that take a .tnm file, MODEL.tnm or --tflite F.
#pragma once

#include <optional>
#include <string>

#include "engine/compiler/graph.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/network_spec.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace tinynas::apps {

struct NetworkSourceOptions {
  std::string arch_path;
  std::string net_config_path;
  std::string tflite_path;
  std::optional<int> resolution;  // overrides / supplies a net config's resolution
  bool no_in_place = false;
  uint32_t seed = 1;
  std::optional<std::string> schedule;  // --schedule plain|fused|streamed|patch|auto; unset: plain
  bool scratch_in_arena = false;        // --scratch-in-arena
  std::optional<double> max_mac_overhead;  // --max-mac-overhead, percent (with --schedule auto)
  std::optional<int> patch_grid;           // --patch-grid (with --schedule patch)
  std::optional<int> patch_split;          // --patch-split (with --schedule patch)
};

// Adds --arch, --net-config, --tflite, --resolution, --no-in-place, --schedule and --seed to
// `command`; returns the --arch, --net-config and --tflite options so a command can relate them
// to its own inputs.
struct NetworkSourceFlags {
  CLI::Option* arch;
  CLI::Option* net_config;
  CLI::Option* tflite;
};
NetworkSourceFlags add_network_source_options(CLI::App& command, NetworkSourceOptions& options);

// Only the planner's options: --no-in-place, --schedule, --scratch-in-arena, --patch-grid and
// --patch-split (add_network_source_options adds them too).
void add_planner_options(CLI::App& command, NetworkSourceOptions& options);

bool has_network_source(const NetworkSourceOptions& options);

// Reads whichever file was given. Throws with a message naming the file and field.
compiler::NetworkSpec load_network_spec(const NetworkSourceOptions& options);

// The network as a graph: a TFLite model imported with its own weights, or an architecture /
// net config built with seeded random weights. `name` gets what the network is called.
compiler::Graph load_network_graph(const NetworkSourceOptions& options, std::string* name);

compiler::PlannerOptions planner_options(const NetworkSourceOptions& options);

// For the commands that run or ship a .tnm file (run, profile, predict, export): the file, or
// --tflite MODEL.tflite imported and planned with the plain schedule (as `tinynas import` with
// no --schedule writes it).
struct ModelFileOptions {
  std::string model_path;   // the positional MODEL.tnm
  std::string tflite_path;  // --tflite
};
// Adds the positional `model` (described by `model_help`) and --tflite, one of them required.
void add_model_file_options(CLI::App& command, ModelFileOptions& options,
                            const std::string& model_help);
// The model given, validated; throws naming the file.
compiler::LoadedModel load_model_source(const ModelFileOptions& options);
// The path given (for messages and JSON).
const std::string& model_source_path(const ModelFileOptions& options);

// Imports `path` and plans the graph; returns the .tnm bytes. Throws naming the file.
std::vector<uint8_t> tflite_to_model_bytes(const std::string& path,
                                           const compiler::PlannerOptions& planner);

}  // namespace tinynas::apps
