#include "supernet/training_job.h"

#include <filesystem>

#include "engine/compiler/json_reader.h"

namespace tinynas::supernet {
namespace {

using compiler::JsonObjectReader;
using compiler::SpecError;

int positive(const JsonObjectReader& reader, const std::string& key) {
  const int v = reader.integer(key);
  if (v < 1) reader.fail(key, "an integer >= 1", v);
  return v;
}

int non_negative(const JsonObjectReader& reader, const std::string& key, int fallback) {
  const std::optional<int> v = reader.optional_integer(key);
  if (!v) return fallback;
  if (*v < 0) reader.fail(key, "an integer >= 0", *v);
  return *v;
}

double number_in(const JsonObjectReader& reader, const std::string& key, double lo, double hi,
                 double fallback) {
  const std::optional<double> v = reader.optional_number(key);
  if (!v) return fallback;
  if (!(*v >= lo && *v <= hi)) {
    reader.fail(key, "a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                reader.at(key));
  }
  return *v;
}

// A phase's choice list must be a non-empty subset of the space's choices.
std::vector<int> choice_list(const JsonObjectReader& reader, const std::string& key,
                             const std::vector<int>& allowed) {
  if (!reader.has_non_null(key)) return {allowed.back()};
  const nlohmann::json& value = reader.at(key);
  if (!value.is_array() || value.empty()) {
    reader.fail(key, "a non-empty array of integers", value);
  }
  std::vector<int> result;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string path =
        compiler::json_index_path(compiler::json_key_path(reader.path(), key), i);
    if (!value[i].is_number_integer() ||
        std::find(allowed.begin(), allowed.end(), value[i].get<int>()) == allowed.end()) {
      std::string list;
      for (int a : allowed) list += (list.empty() ? "" : ", ") + std::to_string(a);
      throw SpecError(path + ": expected one of the space's values {" + list + "}, found " +
                      compiler::describe_json(value[i]));
    }
    result.push_back(value[i].get<int>());
  }
  return result;
}

}  // namespace

DatasetConfig parse_dataset_config(const nlohmann::json& object, const std::string& path) {
  JsonObjectReader dataset(object, path);
  dataset.reject_unknown_keys({"kind", "path", "validation_size", "train_size",
                               "synthetic_train_size", "synthetic_test_size", "horizontal_flip"});
  DatasetConfig config;
  config.kind = dataset.string("kind");
  if (config.kind != "fashion-mnist" && config.kind != "synthetic") {
    dataset.fail("kind", "\"fashion-mnist\" or \"synthetic\"", config.kind);
  }
  config.path = dataset.optional_string("path").value_or("");
  config.validation_size = non_negative(dataset, "validation_size", 0);
  config.train_size = non_negative(dataset, "train_size", 0);
  config.synthetic_train_size = non_negative(dataset, "synthetic_train_size", 0);
  config.synthetic_test_size = non_negative(dataset, "synthetic_test_size", 0);
  config.horizontal_flip = dataset.optional_boolean("horizontal_flip").value_or(false);
  return config;
}

int TrainingJob::total_epochs() const {
  int total = 0;
  for (const PhaseConfig& phase : phases) total += phase.epochs;
  return total;
}

TrainingJob parse_training_job(const nlohmann::json& document, const std::string& base_dir) {
  JsonObjectReader root(document, "");
  root.reject_unknown_keys({"format", "space", "dataset", "output_dir", "seed", "threads",
                            "batch_size", "optimizer", "label_smoothing", "distillation_weight",
                            "bn_calibration_batches", "eval_batch_size", "phases", "init_from"});
  const std::string format = root.string("format");
  if (format != kTrainJobFormat)
    root.fail("format", std::string("\"") + kTrainJobFormat + "\"", format);

  TrainingJob job;
  job.document = document;
  std::filesystem::path space_path = root.string("space");
  if (space_path.is_relative()) space_path = std::filesystem::path(base_dir) / space_path;
  try {
    job.space = space::load_search_space(space_path.lexically_normal().string());
  } catch (const SpecError& e) {
    throw SpecError(std::string("space: ") + e.what());
  }

  job.dataset = parse_dataset_config(root.at("dataset"), "dataset");

  job.output_dir = root.string("output_dir");
  if (const std::optional<std::string> init_from = root.optional_string("init_from")) {
    std::filesystem::path path = *init_from;
    if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
    job.init_from = path.lexically_normal().string();
    if (!std::filesystem::exists(std::filesystem::path(job.init_from) / "metadata.json")) {
      root.fail("init_from", "a checkpoint folder (with metadata.json)", *init_from);
    }
  }
  job.seed = static_cast<uint64_t>(non_negative(root, "seed", 0));
  job.threads = non_negative(root, "threads", 0);
  job.batch_size = positive(root, "batch_size");
  job.eval_batch_size = positive(root, "eval_batch_size");
  job.bn_calibration_batches = positive(root, "bn_calibration_batches");

  JsonObjectReader optimizer(root.at("optimizer"), "optimizer");
  optimizer.reject_unknown_keys({"kind", "momentum", "nesterov", "weight_decay"});
  const std::string kind = optimizer.string("kind");
  if (kind != "sgd") optimizer.fail("kind", "\"sgd\"", kind);
  job.momentum = number_in(optimizer, "momentum", 0.0, 1.0, 0.0);
  job.nesterov = optimizer.optional_boolean("nesterov").value_or(false);
  job.weight_decay = number_in(optimizer, "weight_decay", 0.0, 1.0, 0.0);
  job.label_smoothing = number_in(root, "label_smoothing", 0.0, 1.0, 0.0);
  job.distillation_weight = number_in(root, "distillation_weight", 0.0, 1e3, 0.0);

  const nlohmann::json& phases = root.at("phases");
  if (!phases.is_array() || phases.empty()) {
    root.fail("phases", "a non-empty array of phase objects", phases);
  }
  for (size_t i = 0; i < phases.size(); ++i) {
    JsonObjectReader phase(phases[i], compiler::json_index_path("phases", i));
    phase.reject_unknown_keys({"name", "epochs", "learning_rate", "warmup_epochs",
                               "subnets_per_step", "distillation", "kernel_sizes", "expand_ratios",
                               "depths", "sort_channels", "sandwich", "subnet"});
    PhaseConfig config;
    config.name = phase.string("name");
    config.epochs = positive(phase, "epochs");
    config.learning_rate = number_in(phase, "learning_rate", 0.0, 10.0, 0.0);
    if (!(config.learning_rate > 0.0))
      phase.fail("learning_rate", "a number > 0", phase.at("learning_rate"));
    config.warmup_epochs = non_negative(phase, "warmup_epochs", 0);
    if (config.warmup_epochs >= config.epochs) {
      phase.fail("warmup_epochs",
                 "fewer than the phase's " + std::to_string(config.epochs) + " epochs",
                 config.warmup_epochs);
    }
    config.subnets_per_step =
        phase.has_non_null("subnets_per_step") ? positive(phase, "subnets_per_step") : 1;
    config.distillation = phase.optional_boolean("distillation").value_or(false);
    config.sort_channels = phase.optional_boolean("sort_channels").value_or(false);
    config.sandwich = phase.optional_boolean("sandwich").value_or(false);
    config.choices.kernel_sizes = choice_list(phase, "kernel_sizes", job.space.kernel_sizes);
    config.choices.expand_ratios = choice_list(phase, "expand_ratios", job.space.expand_ratios);
    config.choices.depths = choice_list(phase, "depths", job.space.depths);
    if (phase.has_non_null("subnet")) {
      for (const char* sampling : {"kernel_sizes", "expand_ratios", "depths", "sandwich",
                                   "distillation", "sort_channels"}) {
        if (phase.has_non_null(sampling)) {
          phase.fail_message(sampling, "a phase that trains one fixed \"subnet\" samples nothing");
        }
      }
      if (config.subnets_per_step != 1) {
        phase.fail("subnets_per_step", "1 in a phase that trains one fixed \"subnet\"",
                   config.subnets_per_step);
      }
      std::filesystem::path arch = phase.string("subnet");
      if (arch.is_relative()) arch = std::filesystem::path(base_dir) / arch;
      try {
        config.subnet = space::load_subnet_arch(job.space, arch.lexically_normal().string());
      } catch (const std::exception& e) {
        throw SpecError(compiler::json_key_path(phase.path(), "subnet") + ": " + e.what());
      }
    }
    job.phases.push_back(config);
  }
  return job;
}

TrainingJob load_training_job(const std::string& path) {
  const nlohmann::json document = compiler::read_json_file(path);
  try {
    TrainingJob job =
        parse_training_job(document, std::filesystem::path(path).parent_path().string());
    job.job_path = path;
    return job;
  } catch (const SpecError& e) {
    throw SpecError(path + ": " + e.what());
  }
}

}  // namespace tinynas::supernet
