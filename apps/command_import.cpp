// tinynas import MODEL.tflite -o MODEL.tnm [--schedule plain|fused|streamed|patch|auto] [--force]
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "apps/commands.h"
#include "apps/network_source.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "tflite_convert/tflite_import.h"

namespace tinynas::apps {

namespace {

struct ImportOptions {
  NetworkSourceOptions source;  // tflite_path and the planner's options
  std::string output_path;
  bool force = false;
};

void run_import(const ImportOptions& options) {
  if (!options.force && std::filesystem::exists(options.output_path)) {
    throw std::runtime_error(options.output_path + " exists (pass --force to overwrite it)");
  }
  const compiler::Graph graph = tflite_convert::import_tflite_file(options.source.tflite_path);
  const compiler::MemoryPlan plan = compiler::plan_memory(graph, planner_options(options.source));
  const std::vector<uint8_t> bytes = compiler::write_model(graph, plan);
  compiler::write_model_file(options.output_path, bytes);
  fmt::print(
      "imported {} into {}: {} ops, {} tensors, {} bytes (flash), peak SRAM {} bytes "
      "(arena {} + scratch {}), {} MACs, schedule {}{}{}\n",
      options.source.tflite_path, options.output_path, graph.ops.size(), graph.tensors.size(),
      bytes.size(), plan.peak_sram_bytes(), plan.arena_bytes, plan.scratch_bytes,
      compiler::graph_macs(graph), compiler::schedule_name(plan.schedule),
      graph.real_input ? "; real-valued input" : "",
      graph.real_output ? ", real-valued output" : "");
}

}  // namespace

void register_import_command(CLI::App& app) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* command = app.add_subcommand(
      "import", "Import an int8 TFLite model (.tflite) into a planned .tnm model file");
  command->add_option("model", options->source.tflite_path, "the .tflite model")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("-o,--output", options->output_path, "the .tnm file to write")->required();
  command->add_flag("--force", options->force, "overwrite the output file if it exists");
  add_planner_options(*command, options->source);
  command->callback([options] { run_import(*options); });
}

}  // namespace tinynas::apps
