// `tinynas eval CKPT --arch ARCH.json [--int8] [--json] [--predictions FILE]`: accuracy of one
// subnet of a trained supernet, float (BN recalibrated) and optionally int8 on the host engine;
// optionally each image's label and predictions as CSV, for scripts/compare-predictions.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "apps/commands.h"
#include "space/subnet_config.h"
#include "supernet/subnet_accuracy.h"

namespace tinynas::apps {
namespace {

constexpr double kPercent = 100.0;

struct EvalOptions {
  std::string checkpoint;
  std::string arch_path;
  bool int8 = false;
  bool json = false;
  std::string split = "test";
  std::string model_out;
  std::string dataset_path;
  std::string predictions_path;
};

// "image,label,float[,int8]": one row per image of the split, in its order.
void write_predictions(const std::string& path, const supernet::SubnetAccuracy& result) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error(path + ": cannot write");
  const bool int8 = !result.int8_predictions.empty();
  out << (int8 ? "image,label,float,int8\n" : "image,label,float\n");
  for (std::size_t i = 0; i < result.labels.size(); ++i) {
    out << i << ',' << result.labels[i] << ',' << result.float_predictions[i];
    if (int8) out << ',' << result.int8_predictions[i];
    out << '\n';
  }
  if (!out) throw std::runtime_error(path + ": write failed");
}

void run_eval(const EvalOptions& options) {
  if (!options.predictions_path.empty() && std::filesystem::exists(options.predictions_path)) {
    throw std::runtime_error(options.predictions_path +
                             " exists; --predictions does not overwrite a file");
  }
  supernet::AccuracyOptions accuracy_options;
  accuracy_options.split = options.split;
  accuracy_options.dataset_path = options.dataset_path;
  supernet::SubnetAccuracyEvaluator evaluator(options.checkpoint, accuracy_options);
  const space::SubnetConfig subnet = space::load_subnet_arch(evaluator.space(), options.arch_path);
  const supernet::SubnetAccuracy result =
      evaluator.evaluate(subnet, options.int8, options.model_out);
  if (!options.predictions_path.empty()) write_predictions(options.predictions_path, result);
  if (options.json) {
    nlohmann::json out = {{"checkpoint", options.checkpoint},
                          {"arch", options.arch_path},
                          {"subnet", space::describe_subnet(subnet)},
                          {"dataset", result.dataset},
                          {"images", result.images},
                          {"float_accuracy", result.float_accuracy}};
    if (result.int8_accuracy) {
      out["int8_accuracy"] = *result.int8_accuracy;
      out["int8_engine"] = "host";
    }
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("subnet:   {}\ndataset:  {} ({} images)\nfloat:    {:.2f}%\n",
             space::describe_subnet(subnet), result.dataset, result.images,
             result.float_accuracy * kPercent);
  if (result.int8_accuracy) {
    fmt::print("int8:     {:.2f}% (host engine)\n", *result.int8_accuracy * kPercent);
  }
}

}  // namespace

void register_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* command =
      app.add_subcommand("eval", "Accuracy of a subnet of a trained supernet (float or int8)");
  command
      ->add_option("checkpoint", options->checkpoint,
                   "checkpoint folder (or its metadata.json / supernet.pt)")
      ->required();
  command->add_option("--arch", options->arch_path, "architecture file of the subnet")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_flag("--int8", options->int8, "also quantize and run int8 on the host engine");
  command->add_flag("--json", options->json, "print JSON");
  command->add_option("--split", options->split, "test or validation")
      ->check(CLI::IsMember({"test", "validation"}));
  command->add_option("--model-out", options->model_out, "write the int8 .tnm model here");
  command->add_option("--dataset-path", options->dataset_path,
                      "folder of the dataset files (default: the job's)");
  command->add_option("--predictions", options->predictions_path,
                      "write each image's label and top-1 classes here (CSV: image, label, float "
                      "and with --int8 int8), for scripts/compare-predictions; never overwrites");
  command->callback([options] { run_eval(*options); });
}

}  // namespace tinynas::apps
