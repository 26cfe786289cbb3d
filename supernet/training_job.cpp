#include "supernet/training_job.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "config/field_reader.h"
#include "config/json_file.h"
#include "engine/compiler/spec_error.h"

namespace tinynas::supernet {
namespace {

using compiler::SpecError;

constexpr int64_t kMaxInt = std::numeric_limits<int>::max();
constexpr double kMaxLearningRate = 10.0;
constexpr double kMaxDistillationWeight = 1e3;

// 0 when bad (the error is recorded).
int positive(const config::ObjectReader& reader, const std::string& key) {
  return static_cast<int>(reader.integer(key, 1, kMaxInt).value_or(0));
}

int non_negative(const config::ObjectReader& reader, const std::string& key, int fallback) {
  return static_cast<int>(reader.integer(key, 0, kMaxInt, config::kOptional).value_or(fallback));
}

double number_in(const config::ObjectReader& reader, const std::string& key, double lo, double hi,
                 double fallback) {
  return reader.number(key, lo, hi, config::kOptional).value_or(fallback);
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  std::filesystem::path resolved = path;
  if (resolved.is_relative()) resolved = std::filesystem::path(base_dir) / resolved;
  return resolved.lexically_normal().string();
}

// A phase's choice list must be a non-empty subset of the space's choices (`allowed`; empty
// when the space could not be read, and then the items are not checked).
std::vector<int> choice_list(const config::ObjectReader& reader, const std::string& key,
                             const std::vector<int>& allowed) {
  if (!reader.has(key)) {  // not given: the largest choice only
    if (allowed.empty()) return {};
    return {allowed.back()};
  }
  const auto list = reader.array(key, "a non-empty array of integers", config::kRequired, 1);
  if (!list || allowed.empty()) return {};
  std::string names;
  for (int a : allowed) names += (names.empty() ? "" : ", ") + std::to_string(a);
  std::vector<int> result;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& item = list->at(i);
    if (!item.is_number_integer() ||
        std::find(allowed.begin(), allowed.end(), item.get<int64_t>()) == allowed.end()) {
      list->add_error(i, "one of the space's values {" + names + "}", item);
      continue;
    }
    result.push_back(item.get<int>());
  }
  return result;
}

// `search_space` is nullopt when the job's space could not be read (its choices are not checked).
PhaseConfig read_phase(const config::ObjectReader& phase,
                       const std::optional<space::SearchSpace>& search_space,
                       const std::string& base_dir) {
  phase.reject_unknown_keys({"name", "epochs", "learning_rate", "warmup_epochs", "schedule",
                             "subnets_per_step", "distillation", "kernel_sizes", "expand_ratios",
                             "depths", "sort_channels", "sandwich", "subnet"});
  PhaseConfig phase_config;
  phase_config.name = phase.string("name").value_or("");
  phase_config.epochs = positive(phase, "epochs");
  const std::optional<double> learning_rate = phase.number("learning_rate", 0.0, kMaxLearningRate);
  if (learning_rate && !(*learning_rate > 0.0)) {
    phase.add_error("learning_rate", "a number > 0", nlohmann::json(*learning_rate));
  }
  phase_config.learning_rate = learning_rate.value_or(0.0);
  phase_config.warmup_epochs = non_negative(phase, "warmup_epochs", 0);
  if (phase_config.epochs > 0 && phase_config.warmup_epochs >= phase_config.epochs) {
    phase.add_error("warmup_epochs",
                    "fewer than the phase's " + std::to_string(phase_config.epochs) + " epochs",
                    phase_config.warmup_epochs);
  }
  if (phase.one_of("schedule", {"cosine", "constant"}, config::kOptional) == "constant") {
    phase_config.schedule = LearningRateSchedule::kConstant;
  }
  phase_config.subnets_per_step =
      phase.has("subnets_per_step") ? positive(phase, "subnets_per_step") : 1;
  phase_config.distillation = phase.boolean("distillation", config::kOptional).value_or(false);
  phase_config.sort_channels = phase.boolean("sort_channels", config::kOptional).value_or(false);
  phase_config.sandwich = phase.boolean("sandwich", config::kOptional).value_or(false);
  const space::SearchSpace no_space;
  const space::SearchSpace& choices = search_space ? *search_space : no_space;
  phase_config.choices.kernel_sizes = choice_list(phase, "kernel_sizes", choices.kernel_sizes);
  phase_config.choices.expand_ratios = choice_list(phase, "expand_ratios", choices.expand_ratios);
  phase_config.choices.depths = choice_list(phase, "depths", choices.depths);
  if (!phase.has("subnet")) return phase_config;
  for (const char* sampling :
       {"kernel_sizes", "expand_ratios", "depths", "sandwich", "sort_channels"}) {
    if (phase.has(sampling)) {
      phase.add_error(sampling,
                      "no such key (a phase that trains one fixed \"subnet\" samples nothing)",
                      *phase.get(sampling));
    }
  }
  if (phase_config.subnets_per_step > 1) {
    phase.add_error("subnets_per_step", "1 in a phase that trains one fixed \"subnet\"",
                    phase_config.subnets_per_step);
  }
  const std::optional<std::string> arch = phase.string("subnet");
  if (!arch || !search_space) return phase_config;
  try {
    phase_config.subnet = space::load_subnet_arch(*search_space, resolve(base_dir, *arch));
  } catch (const std::exception& e) {
    phase.add_error("subnet", "an architecture file of a subnet of the space",
                    std::string(e.what()));
  }
  return phase_config;
}

}  // namespace

int TrainingJob::total_epochs() const {
  int total = 0;
  for (const PhaseConfig& phase : phases) total += phase.epochs;
  return total;
}

TrainingJob parse_training_job(const nlohmann::json& document, const std::string& base_dir,
                               const std::string& origin) {
  config::FieldErrors errors;
  const config::ObjectReader root(document, "", errors);
  root.reject_unknown_keys({"format", "space", "dataset", "output_dir", "seed", "threads",
                            "batch_size", "optimizer", "label_smoothing", "distillation_weight",
                            "bn_calibration_batches", "eval_batch_size", "phases", "init_from",
                            "teacher"});
  const std::optional<std::string> format = root.string("format");
  if (format && *format != kTrainJobFormat) {
    root.add_error("format", std::string("\"") + kTrainJobFormat + "\"", nlohmann::json(*format));
  }

  TrainingJob job;
  job.document = document;
  std::optional<space::SearchSpace> search_space;
  if (const std::optional<std::string> space_path = root.string("space")) {
    try {
      search_space = space::load_search_space(resolve(base_dir, *space_path));
      job.space = *search_space;
    } catch (const std::exception& e) {
      root.add_error("space", "a readable search-space file (tinynas-space/1)",
                     std::string(e.what()));
    }
  }
  if (const std::optional<config::ObjectReader> dataset = root.object("dataset")) {
    job.dataset = datasets::read_dataset_config(*dataset, base_dir);
    // Checkpoints keep the document: keep the folder it resolved to.
    if (!job.dataset.path.empty()) job.document["dataset"]["path"] = job.dataset.path;
  }
  job.output_dir = root.string("output_dir").value_or("");
  if (const std::optional<std::string> init_from = root.string("init_from", config::kOptional)) {
    job.init_from = resolve(base_dir, *init_from);
    if (!std::filesystem::exists(std::filesystem::path(job.init_from) / "metadata.json")) {
      root.add_error("init_from", "a checkpoint folder (with metadata.json)",
                     nlohmann::json(*init_from));
    }
  }
  if (const std::optional<std::string> teacher = root.string("teacher", config::kOptional)) {
    job.teacher = resolve(base_dir, *teacher);
    if (!std::filesystem::exists(std::filesystem::path(job.teacher) / "metadata.json")) {
      root.add_error("teacher", "a checkpoint folder (with metadata.json)",
                     nlohmann::json(*teacher));
    }
  }
  job.seed = static_cast<uint64_t>(non_negative(root, "seed", 0));
  job.threads = non_negative(root, "threads", 0);
  job.batch_size = positive(root, "batch_size");
  job.eval_batch_size = positive(root, "eval_batch_size");
  job.bn_calibration_batches = positive(root, "bn_calibration_batches");

  if (const std::optional<config::ObjectReader> optimizer = root.object("optimizer")) {
    optimizer->reject_unknown_keys({"kind", "momentum", "nesterov", "weight_decay"});
    const std::optional<std::string> kind = optimizer->string("kind");
    if (kind && *kind != "sgd") optimizer->add_error("kind", "\"sgd\"", nlohmann::json(*kind));
    job.momentum = number_in(*optimizer, "momentum", 0.0, 1.0, 0.0);
    job.nesterov = optimizer->boolean("nesterov", config::kOptional).value_or(false);
    job.weight_decay = number_in(*optimizer, "weight_decay", 0.0, 1.0, 0.0);
  }
  job.label_smoothing = number_in(root, "label_smoothing", 0.0, 1.0, 0.0);
  job.distillation_weight =
      number_in(root, "distillation_weight", 0.0, kMaxDistillationWeight, 0.0);

  if (const auto phases =
          root.array("phases", "a non-empty array of phase objects", config::kRequired, 1)) {
    for (size_t i = 0; i < phases->size(); ++i) {
      const config::ObjectReader phase = phases->object(i);
      if (phase.valid()) job.phases.push_back(read_phase(phase, search_space, base_dir));
    }
  }
  for (const PhaseConfig& phase : job.phases) {
    if (phase.subnet && phase.distillation && !root.has("teacher")) {
      root.add_error("phases",
                     "a \"teacher\" checkpoint for phase '" + phase.name +
                         "', which distils into one fixed subnet",
                     "no \"teacher\"");
    }
  }
  errors.throw_if_any<SpecError>(origin);
  return job;
}

TrainingJob load_training_job(const std::string& path) {
  return config::rethrow_as<SpecError>([&] {
    TrainingJob job = parse_training_job(config::read_json_file(path),
                                         std::filesystem::path(path).parent_path().string(), path);
    job.job_path = path;
    return job;
  });
}

}  // namespace tinynas::supernet
