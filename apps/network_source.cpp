#include "apps/network_source.h"

#include <CLI/CLI.hpp>
#include <stdexcept>

#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/net_config_import.h"
#include "tflite_convert/tflite_import.h"

namespace tinynas::apps {

NetworkSourceFlags add_network_source_options(CLI::App& command, NetworkSourceOptions& options) {
  NetworkSourceFlags flags{};
  flags.arch = command
                   .add_option("--arch", options.arch_path,
                               "tinynas architecture file (docs/arch-format.md)")
                   ->check(CLI::ExistingFile);
  flags.net_config = command
                         .add_option("--net-config", options.net_config_path,
                                     "MCUNet / once-for-all net config (ProxylessNASNets JSON)")
                         ->check(CLI::ExistingFile);
  flags.tflite = command
                     .add_option("--tflite", options.tflite_path,
                                 "an int8 TFLite model (.tflite), imported with its weights")
                     ->check(CLI::ExistingFile);
  flags.arch->excludes(flags.net_config)->excludes(flags.tflite);
  flags.net_config->excludes(flags.tflite);
  command
      .add_option("--resolution", options.resolution,
                  "input resolution (net configs without a \"resolution\" field need it)")
      ->check(CLI::Range(1, 4096));
  add_planner_options(command, options);
  command.add_option("--seed", options.seed, "seed of the random weights")->capture_default_str();
  return flags;
}

void add_planner_options(CLI::App& command, NetworkSourceOptions& options) {
  command.add_flag("--no-in-place", options.no_in_place,
                   "plan without in-place depthwise convolution (to see what it saves)");
  command
      .add_option("--schedule", options.schedule,
                  "how the ops run: plain (op by op), fused (expand -> depthwise -> project "
                  "row-streamed, no expanded tensor in the arena), patch (the first ops patch by "
                  "patch up to a split layer, MCUNetV2; grid and split with the least peak unless "
                  "--patch-grid/--patch-split say), streamed (the first ops row by row across "
                  "layers, each row computed once) or auto (the smallest peak within "
                  "--max-mac-overhead); default plain")
      ->check(CLI::IsMember({"plain", "fused", "streamed", "patch", "auto"}));
  command
      .add_option("--max-mac-overhead", options.max_mac_overhead,
                  "with --schedule auto: the most MACs a schedule may compute beyond the "
                  "network's, in percent of them (default 10)")
      ->check(CLI::Range(0.0, 1000.0));
  command.add_flag("--scratch-in-arena", options.scratch_in_arena,
                   "put the scratch buffer inside the arena, time-shared with the tensors "
                   "(auto tries it anyway)");
  command
      .add_option("--patch-grid", options.patch_grid,
                  "with --schedule patch: patches per side (with --patch-split)")
      ->check(CLI::Range(2, 16));
  command
      .add_option("--patch-split", options.patch_split,
                  "with --schedule patch: ops in the patch stage (with --patch-grid)")
      ->check(CLI::Range(1, 32));
}

bool has_network_source(const NetworkSourceOptions& options) {
  return !options.arch_path.empty() || !options.net_config_path.empty() ||
         !options.tflite_path.empty();
}

compiler::NetworkSpec load_network_spec(const NetworkSourceOptions& options) {
  if (!options.arch_path.empty()) {
    compiler::NetworkSpec spec = compiler::load_arch_file(options.arch_path);
    if (options.resolution) spec.resolution = *options.resolution;
    return spec;
  }
  if (!options.net_config_path.empty()) {
    compiler::NetConfigOptions import_options;
    import_options.resolution = options.resolution;
    return compiler::load_net_config(options.net_config_path, import_options);
  }
  throw std::invalid_argument("no network given: pass --arch FILE or --net-config FILE");
}

compiler::Graph load_network_graph(const NetworkSourceOptions& options, std::string* name) {
  if (!options.tflite_path.empty()) {
    *name = options.tflite_path;
    return tflite_convert::import_tflite_file(options.tflite_path);
  }
  const compiler::NetworkSpec spec = load_network_spec(options);
  *name = spec.name.empty() ? "network" : spec.name;
  compiler::BuildOptions build;
  build.seed = options.seed;
  return compiler::build_graph(spec, build);
}

compiler::PlannerOptions planner_options(const NetworkSourceOptions& options) {
  compiler::PlannerOptions planner;
  planner.in_place_depthwise = !options.no_in_place;
  if (options.schedule) planner.schedule = compiler::parse_schedule(*options.schedule);
  planner.scratch_in_arena = options.scratch_in_arena;
  if (options.max_mac_overhead) {
    if (planner.schedule != compiler::Schedule::kAuto) {
      throw std::invalid_argument("--max-mac-overhead goes with --schedule auto");
    }
    planner.max_mac_overhead = *options.max_mac_overhead / 100.0;
  }
  if (options.patch_grid || options.patch_split) {
    if (!options.patch_grid || !options.patch_split ||
        planner.schedule != compiler::Schedule::kPatch) {
      throw std::invalid_argument(
          "--patch-grid and --patch-split go together, with --schedule patch");
    }
    planner.patch = compiler::PatchConfig{*options.patch_grid, *options.patch_split};
  }
  return planner;
}

std::vector<uint8_t> tflite_to_model_bytes(const std::string& path,
                                           const compiler::PlannerOptions& planner) {
  const compiler::Graph graph = tflite_convert::import_tflite_file(path);
  return compiler::write_model(graph, compiler::plan_memory(graph, planner));
}

void add_model_file_options(CLI::App& command, ModelFileOptions& options,
                            const std::string& model_help) {
  CLI::Option* model =
      command.add_option("model", options.model_path, model_help)->check(CLI::ExistingFile);
  CLI::Option* tflite = command
                            .add_option("--tflite", options.tflite_path,
                                        "an int8 TFLite model instead (imported, planned plain)")
                            ->check(CLI::ExistingFile);
  model->excludes(tflite);
  tflite->excludes(model);
}

compiler::LoadedModel load_model_source(const ModelFileOptions& options) {
  if (!options.tflite_path.empty()) {
    return compiler::LoadedModel(tflite_to_model_bytes(options.tflite_path, {}),
                                 options.tflite_path);
  }
  if (options.model_path.empty()) {
    throw std::invalid_argument("no model given: pass MODEL.tnm or --tflite MODEL.tflite");
  }
  return compiler::load_model_file(options.model_path);
}

const std::string& model_source_path(const ModelFileOptions& options) {
  return options.tflite_path.empty() ? options.model_path : options.tflite_path;
}

}  // namespace tinynas::apps
