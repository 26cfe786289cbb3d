// tinynas memory (--net-config F | --arch F | --tflite F | MODEL.tnm) [--schedule
// plain|fused|streamed|patch|auto]
//                [--patch-grid N --patch-split S] [--json]
//                [--train-scheme scheme.json [--no-reorder] [--no-master-copies]]  (the
//                training graph's peak instead)
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <stdexcept>

#include "apps/commands.h"
#include "apps/network_source.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_import.h"
#include "engine/compiler/training_planner.h"
#include "engine/compiler/update_scheme.h"

namespace tinynas::apps {

namespace {

struct MemoryOptions {
  NetworkSourceOptions source;
  std::string model_path;
  bool json = false;
  std::string train_scheme_path;  // --train-scheme: plan the training graph instead
  bool no_reorder = false;        // --no-reorder: every update after the whole backward
  bool no_master_copies = false;  // --no-master-copies: updates straight into int8 / int32
};

// The model's graph as `memory` plans it: the .tnm's own, or the network built with seeded random
// weights (memory does not depend on weight values).
compiler::Graph graph_for(const MemoryOptions& options, std::string* subject) {
  if (options.model_path.empty()) return load_network_graph(options.source, subject);
  const compiler::LoadedModel model = compiler::load_model_file(options.model_path);
  *subject = options.model_path;
  return compiler::import_model(model.view()).graph;
}

void run_training_memory(const MemoryOptions& options) {
  std::string subject;
  const compiler::Graph graph = graph_for(options, &subject);
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning, "memory");
  compiler::TrainingOptions training;
  training.reorder = !options.no_reorder;
  training.master_copies = !options.no_master_copies;
  training.in_place_depthwise = !options.source.no_in_place;
  const compiler::TrainingMemory memory = compiler::plan_training_memory(
      validated, compiler::load_update_scheme(options.train_scheme_path), training,
      options.train_scheme_path);
  fmt::print("{} trained under {} (tinynas training planner; a plan, not a board measurement)\n{}",
             subject, options.train_scheme_path, compiler::format_training_memory(memory));
}

compiler::MemoryReport report_for(const MemoryOptions& options, std::string* subject) {
  if (!options.model_path.empty()) {
    const compiler::LoadedModel model = compiler::load_model_file(options.model_path);
    const compiler::ImportedModel imported = compiler::import_model(model.view());
    *subject = options.model_path;
    // The file's own plan, unless another schedule is asked for: then plan its graph anew.
    if (!options.source.schedule)
      return compiler::make_memory_report(imported.graph, imported.plan);
    return compiler::make_memory_report(
        imported.graph, compiler::plan_memory(imported.graph, planner_options(options.source)));
  }
  // Memory does not depend on weight values; random weights give every tensor its quantization.
  const compiler::Graph graph = load_network_graph(options.source, subject);
  const compiler::MemoryPlan plan = compiler::plan_memory(graph, planner_options(options.source));
  return compiler::make_memory_report(graph, plan);
}

void run_memory(const MemoryOptions& options) {
  std::string subject;
  const compiler::MemoryReport report = report_for(options, &subject);
  if (options.json) {
    nlohmann::ordered_json document = compiler::to_json(report);
    document["model"] = subject;
    // Planner figures: the engine's own plan, not a board measurement.
    document["source"] = "tinynas memory planner (host), int8";
    fmt::print("{}\n", document.dump(2));
  } else {
    fmt::print("{} (int8, tinynas memory planner; a plan, not a board measurement)\n{}", subject,
               compiler::format_memory_report(report));
  }
}

}  // namespace

void register_memory_command(CLI::App& app) {
  auto options = std::make_shared<MemoryOptions>();
  CLI::App* command = app.add_subcommand(
      "memory", "Peak SRAM, flash, MACs and per-op memory of a network or .tnm model");
  const NetworkSourceFlags flags = add_network_source_options(*command, options->source);
  CLI::Option* model = command->add_option("model", options->model_path, "a .tnm model file")
                           ->check(CLI::ExistingFile);
  model->excludes(flags.arch)->excludes(flags.net_config)->excludes(flags.tflite);
  CLI::Option* json = command->add_flag("--json", options->json, "machine-readable output");
  CLI::Option* scheme =
      command
          ->add_option("--train-scheme", options->train_scheme_path,
                       "plan the training graph of this sparse-update scheme (tinynas-scheme/1)")
          ->check(CLI::ExistingFile)
          ->excludes(json);
  command
      ->add_flag("--no-reorder", options->no_reorder,
                 "with --train-scheme: every update after the whole backward (no operator "
                 "reordering)")
      ->needs(scheme);
  command
      ->add_flag("--no-master-copies", options->no_master_copies,
                 "with --train-scheme: no float32 master copies of the trained parameters (the "
                 "update re-quantizes straight into the int8 weights and int32 biases)")
      ->needs(scheme);
  command->callback([options] {
    if (options->model_path.empty() && !has_network_source(options->source)) {
      throw std::invalid_argument(
          "memory: pass MODEL.tnm, --arch FILE, --net-config FILE or --tflite FILE");
    }
    if (!options->train_scheme_path.empty()) {
      run_training_memory(*options);
    } else {
      run_memory(*options);
    }
  });
}

}  // namespace tinynas::apps
