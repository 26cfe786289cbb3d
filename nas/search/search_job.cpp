#include "nas/search/search_job.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/field_reader.h"
#include "config/json_file.h"
#include "farm/farm_client.h"

namespace tinynas::nas {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxBytesLimit = int64_t{1} << 32;  // 4 GiB: far above any MCU
constexpr double kMaxLatencyMs = 1.0e7;
constexpr double kMinWidthMultiplier = 0.05;
constexpr double kMaxWidthMultiplier = 4.0;
constexpr int kMinResolution = 8;
constexpr int kMaxResolution = 1024;
constexpr int kMaxStage1Samples = 1000000;
constexpr int kMinPopulation = 2;
constexpr int kMaxPopulation = 100000;
constexpr int kMaxGenerations = 1000000;
constexpr int kMaxTries = 10000000;
constexpr int kMaxTopK = 1000;
constexpr int kMaxCalibrationSamples = 10000;
constexpr int kMaxRuns = 1000;
constexpr int kMaxThreads = 1024;
constexpr int kMaxProcesses = 1024;
constexpr int kMaxCalibrationBatches = 100000;
constexpr int64_t kMaxSeed = INT64_MAX;
constexpr int kMaxFinalEpochs = 10000;
constexpr int64_t kMaxValidationSize = INT32_MAX;
constexpr double kMinLearningRate = 1e-6;
constexpr double kMaxLearningRate = 10.0;       // the trainer's bound
constexpr double kMaxDistillationWeight = 1e3;  // the trainer's bound

std::string resolve(const std::string& base_dir, const std::string& path) {
  fs::path p(path);
  if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
  return p.lexically_normal().string();
}

// 0.75, 1 (the stream's shortest form).
std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// A non-empty array of numbers in [min, max], strictly ascending.
std::optional<std::vector<double>> ascending_numbers(const config::ObjectReader& object,
                                                     const std::string& key, double min,
                                                     double max) {
  const auto list = object.array(key,
                                 "a non-empty array of numbers in [" + number_text(min) + ", " +
                                     number_text(max) + "], ascending",
                                 config::kRequired, 1);
  if (!list) return std::nullopt;
  const auto values = list->numbers(min, max);
  if (!values || !list->check_ascending(*values)) return std::nullopt;
  return values;
}

std::optional<std::vector<int>> ascending_integers(const config::ObjectReader& object,
                                                   const std::string& key, int min, int max) {
  const auto list = object.array(key,
                                 "a non-empty array of integers in [" + std::to_string(min) + ", " +
                                     std::to_string(max) + "], ascending",
                                 config::kRequired, 1);
  if (!list) return std::nullopt;
  const auto values = list->integers(min, max);
  if (!values || !list->check_ascending(*values)) return std::nullopt;
  return std::vector<int>(values->begin(), values->end());
}

// The largest MAC-overhead limit a job may set: 10x the network's MACs.
constexpr double kMaxMacOverhead = 10.0;

void parse_constraints(const config::ObjectReader& root, SearchJob& job) {
  const auto c = root.object("constraints");
  if (!c) return;
  c->reject_unknown_keys(
      {"peak_sram_bytes", "flash_bytes", "latency_ms", "schedule", "max_mac_overhead"});
  if (const auto limit = c->number("max_mac_overhead", 0.0, kMaxMacOverhead, config::kOptional)) {
    job.constraints.max_mac_overhead = *limit;
  }
  if (const auto schedule = c->one_of("schedule", {"plain", "joint"}, config::kOptional)) {
    job.constraints.schedule =
        *schedule == "plain" ? ScheduleChoice::kPlain : ScheduleChoice::kJoint;
  }
  job.constraints.peak_sram_bytes =
      c->integer("peak_sram_bytes", 1, kMaxBytesLimit, config::kOptional);
  job.constraints.flash_bytes = c->integer("flash_bytes", 1, kMaxBytesLimit, config::kOptional);
  job.constraints.latency_ms = c->number("latency_ms", 0.0, kMaxLatencyMs, config::kOptional);
  if (job.constraints.latency_ms && !(*job.constraints.latency_ms > 0.0)) {
    c->add_error("latency_ms", "a number > 0", *c->get("latency_ms"));
  }
  if (!c->has("peak_sram_bytes") && !c->has("flash_bytes") && !c->has("latency_ms")) {
    root.add_error("constraints",
                   "at least one of \"peak_sram_bytes\", \"flash_bytes\", \"latency_ms\"",
                   *root.get("constraints"));
  }
}

void parse_dataset(const config::ObjectReader& root, const std::string& base_dir, SearchJob& job) {
  const auto d = root.object("dataset");
  if (!d) return;
  job.dataset = *root.get("dataset");
  job.dataset_config = datasets::read_dataset_config(*d, base_dir);
  // The training job the supernet is trained with, and the result's job.json (which export
  // reads its verification images through), keep the folder this job resolved to.
  if (!job.dataset_config.path.empty()) {
    job.dataset["path"] = job.dataset_config.path;
    job.document["dataset"]["path"] = job.dataset_config.path;
  }
}

bool parse_space(const config::ObjectReader& root, const std::string& base_dir, SearchJob& job) {
  const auto path = root.string("space");
  if (!path) return false;
  job.space_path = resolve(base_dir, *path);
  try {
    job.space = space::load_search_space(job.space_path);
    return true;
  } catch (const std::exception& e) {
    root.add_error("space", "a readable search-space file (tinynas-space/1)",
                   std::string(e.what()));
    return false;
  }
}

void parse_stage1(const config::ObjectReader& root, bool space_ok, SearchJob& job) {
  const auto s = root.object("stage1", config::kOptional);
  if (!s) return;
  s->reject_unknown_keys({"width_multipliers", "resolutions", "samples"});
  job.stage1.enabled = true;
  const auto widths =
      ascending_numbers(*s, "width_multipliers", kMinWidthMultiplier, kMaxWidthMultiplier);
  const auto resolutions = ascending_integers(*s, "resolutions", kMinResolution, kMaxResolution);
  if (const auto n = s->integer("samples", 1, kMaxStage1Samples)) job.stage1.samples = int(*n);
  if (widths) job.stage1.width_multipliers = *widths;
  if (resolutions) job.stage1.resolutions = *resolutions;
  if (!space_ok || !widths || !resolutions) return;
  // Every grid point must be a valid space (a resolution must survive all strides).
  for (size_t r = 0; r < resolutions->size(); ++r) {
    try {
      space::parse_search_space(
          space::search_space_to_json(space_at(job.space, widths->front(), (*resolutions)[r])));
    } catch (const std::exception& e) {
      root.errors().add(config::index_path("stage1.resolutions", r),
                        "a resolution the space accepts (" + std::string(e.what()) + ")",
                        std::to_string((*resolutions)[r]));
    }
  }
}

void parse_supernet(const config::ObjectReader& root, const std::string& base_dir, SearchJob& job) {
  const auto s = root.object("supernet");
  if (!s) return;
  s->reject_unknown_keys(
      {"checkpoint", "train", "threads", "nproc", "accuracy_calibration_batches"});
  const bool has_checkpoint = s->has("checkpoint");
  const bool has_train = s->has("train");
  if (has_checkpoint == has_train) {
    root.add_error("supernet", "exactly one of \"checkpoint\" and \"train\"",
                   *root.get("supernet"));
  }
  if (has_checkpoint) {
    if (const auto path = s->string("checkpoint")) {
      job.supernet.checkpoint = resolve(base_dir, *path);
      std::error_code error;
      if (!fs::exists(job.supernet.checkpoint, error)) {
        s->add_error("checkpoint", "an existing checkpoint folder",
                     "\"" + job.supernet.checkpoint + "\" (no such file or folder)");
      }
    }
  }
  if (has_train) {
    if (const auto train = s->object("train")) {
      job.supernet.train = *s->get("train");
      for (const char* owned : {"format", "space", "dataset", "output_dir", "seed"}) {
        if (const nlohmann::json* value = train->get(owned)) {
          train->add_error(owned, "no such key (the search job sets it)", *value);
        }
      }
    }
  }
  if (const auto t = s->integer("threads", 0, kMaxThreads, config::kOptional)) {
    job.supernet.threads = int(*t);
  }
  if (const auto n = s->integer("nproc", 1, kMaxProcesses, config::kOptional)) {
    job.supernet.nproc = int(*n);
    if (has_checkpoint && *n > 1) {
      s->add_error("nproc", "only with \"train\" (a checkpoint is not trained)",
                   nlohmann::json(*n));
    }
  }
  if (const auto b = s->integer("accuracy_calibration_batches", 1, kMaxCalibrationBatches,
                                config::kOptional)) {
    job.supernet.accuracy_calibration_batches = int(*b);
  }
}

}  // namespace

const char* evolution_objective_name(EvolutionObjective objective) {
  return objective == EvolutionObjective::kMacs ? "macs" : "accuracy";
}

namespace {

void parse_evolution(const config::ObjectReader& root, SearchJob& job) {
  const auto e = root.object("evolution", config::kOptional);
  if (!e) return;
  e->reject_unknown_keys({"objective", "population", "generations", "parent_ratio",
                          "mutation_ratio", "mutation_probability", "max_tries", "hardware_every",
                          "hardware_top_k", "calibration_samples", "measure_runs"});
  EvolutionSettings& s = job.evolution;
  if (const auto objective = e->one_of("objective", {"accuracy", "macs"}, config::kOptional)) {
    s.objective = *objective == "macs" ? EvolutionObjective::kMacs : EvolutionObjective::kAccuracy;
  }
  auto set_int = [&](const char* key, int& target, int64_t min, int64_t max) {
    if (const auto v = e->integer(key, min, max, config::kOptional)) {
      target = static_cast<int>(*v);
    }
  };
  auto set_number = [&](const char* key, double& target, double min, double max) {
    if (const auto v = e->number(key, min, max, config::kOptional)) target = *v;
  };
  set_int("population", s.population, kMinPopulation, kMaxPopulation);
  set_int("generations", s.generations, 1, kMaxGenerations);
  set_number("parent_ratio", s.parent_ratio, 0.0, 1.0);
  set_number("mutation_ratio", s.mutation_ratio, 0.0, 1.0);
  set_number("mutation_probability", s.mutation_probability, 0.0, 1.0);
  set_int("max_tries", s.max_tries, 1, kMaxTries);
  set_int("hardware_every", s.hardware_every, 1, kMaxGenerations);
  set_int("hardware_top_k", s.hardware_top_k, 1, kMaxTopK);
  set_int("calibration_samples", s.calibration_samples, 1, kMaxCalibrationSamples);
  set_int("measure_runs", s.measure_runs, 1, kMaxRuns);
  // At least one parent, and room for at least one child.
  const int parents = static_cast<int>(std::lround(s.parent_ratio * s.population));
  if (parents < 1 || parents >= s.population) {
    e->add_error("parent_ratio",
                 "a ratio leaving between 1 and population - 1 parents (" +
                     std::to_string(s.population) + " x ratio, rounded)",
                 nlohmann::json(s.parent_ratio));
  }
}

void parse_final_training(const config::ObjectReader& root, SearchJob& job) {
  const auto f = root.object("final_training", config::kOptional);
  if (!f) return;
  f->reject_unknown_keys({"from", "epochs", "learning_rate", "warmup_epochs", "distillation_weight",
                          "validation_size"});
  if (job.supernet.train.is_null() && !job.supernet.checkpoint.empty()) {
    root.add_error("final_training",
                   "a job that trains its supernet (\"supernet\": {\"train\": ...}): the final "
                   "training uses those settings",
                   *root.get("final_training"));
  }
  FinalTrainingSettings settings;
  if (const auto from = f->string("from")) {
    if (*from == "supernet") {
      settings.start = FinalTrainingStart::kSupernet;
    } else if (*from == "scratch") {
      settings.start = FinalTrainingStart::kScratch;
    } else {
      f->add_error("from", "\"supernet\" or \"scratch\"", nlohmann::json(*from));
    }
  }
  if (const auto e = f->integer("epochs", 1, kMaxFinalEpochs)) settings.epochs = int(*e);
  if (const auto lr = f->number("learning_rate", kMinLearningRate, kMaxLearningRate)) {
    settings.learning_rate = *lr;
  }
  if (const auto w = f->integer("warmup_epochs", 0, kMaxFinalEpochs, config::kOptional)) {
    settings.warmup_epochs = int(*w);
    if (settings.warmup_epochs >= settings.epochs) {
      f->add_error("warmup_epochs", "fewer than the " + std::to_string(settings.epochs) + " epochs",
                   std::to_string(settings.warmup_epochs));
    }
  }
  if (const auto w =
          f->number("distillation_weight", 0.0, kMaxDistillationWeight, config::kOptional)) {
    settings.distillation_weight = *w;
  }
  const int ranking_size = job.dataset_config.validation_size;
  if (const auto v = f->integer("validation_size", 1, kMaxValidationSize, config::kOptional)) {
    settings.validation_size = int(*v);
    if (settings.validation_size > ranking_size) {
      f->add_error("validation_size",
                   ranking_size > 0
                       ? "at most dataset.validation_size (" + std::to_string(ranking_size) +
                             "): its images are the first ones of the search's validation split"
                       : "no such key unless the search holds out dataset.validation_size images "
                         "(a dataset with a validation part of its own keeps it)",
                   std::to_string(settings.validation_size));
    }
  }
  job.final_training = settings;
}

void check_against_board(const config::ObjectReader& root, SearchJob& job) {
  const Constraints& c = job.constraints;
  const auto& board = job.board;
  if (c.peak_sram_bytes && board.sram_bytes > 0 &&
      *c.peak_sram_bytes > static_cast<int64_t>(board.sram_bytes)) {
    root.errors().add("constraints.peak_sram_bytes",
                      "at most the board's SRAM (" + std::to_string(board.sram_bytes) + " bytes, " +
                          board.kind + ")",
                      std::to_string(*c.peak_sram_bytes));
  }
  if (c.flash_bytes && board.model_region_bytes > 0 &&
      *c.flash_bytes > static_cast<int64_t>(board.model_region_bytes)) {
    root.errors().add("constraints.flash_bytes",
                      "at most the board's model region (" +
                          std::to_string(board.model_region_bytes) + " bytes, " + board.kind + ")",
                      std::to_string(*c.flash_bytes));
  }
}

const char* const kFarmUrlExpected = "a farm URL http://HOST:PORT";

std::optional<std::string> farm_url(const config::ObjectReader& object, const std::string& key) {
  const auto url = object.string(key);
  if (!url) return std::nullopt;
  try {
    farm::parse_farm_url(*url);
  } catch (const std::exception& e) {
    object.add_error(key, kFarmUrlExpected, "\"" + *url + "\" (" + e.what() + ")");
    return std::nullopt;
  }
  return url;
}

// One item of "farms": a URL string or {"url", "token" | "token_env"}.
std::optional<FarmRef> farm_item(const config::ArrayReader& list, size_t index) {
  if (list.at(index).is_string()) {
    const auto url = list.string(index);
    try {
      farm::parse_farm_url(*url);
    } catch (const std::exception& e) {
      list.add_error(index, kFarmUrlExpected, "\"" + *url + "\" (" + e.what() + ")");
      return std::nullopt;
    }
    return FarmRef{*url, {}};
  }
  const config::ObjectReader item = list.object(index);
  if (!item.valid()) return std::nullopt;
  item.reject_unknown_keys({"url", "token", "token_env"});
  const auto url = farm_url(item, "url");
  const auto token = item.string("token", config::kOptional);
  const auto token_env = item.string("token_env", config::kOptional);
  if (token && token_env) {
    item.add_error("token_env", "at most one of \"token\" and \"token_env\"", *token_env);
    return std::nullopt;
  }
  if (!url) return std::nullopt;
  FarmRef farm{*url, token.value_or("")};
  if (token_env) {
    const char* value = std::getenv(token_env->c_str());
    if (value == nullptr || *value == '\0') {
      item.add_error("token_env", "the name of a set environment variable",
                     "\"" + *token_env + "\" (not set)");
      return std::nullopt;
    }
    farm.token = value;
  }
  return farm;
}

void parse_farms(const config::ObjectReader& root, SearchJob& job) {
  if (root.has("farm") && root.has("farms")) {
    root.add_error("farms", "either \"farm\" or \"farms\", not both", "both");
    return;
  }
  if (root.has("farm")) {
    if (const auto url = farm_url(root, "farm")) job.farms.push_back({*url, {}});
    return;
  }
  const auto list = root.array("farms", "a non-empty array of farm URLs or {\"url\", \"token\"}",
                               config::kOptional, 1);
  if (!list) return;
  for (size_t i = 0; i < list->size(); ++i) {
    const auto farm = farm_item(*list, i);
    if (!farm) continue;
    for (const FarmRef& earlier : job.farms) {
      if (earlier.url == farm->url) {
        list->add_error(i, "a farm not listed before", "\"" + farm->url + "\" (listed twice)");
      }
    }
    job.farms.push_back(*farm);
  }
}

}  // namespace

space::SearchSpace space_at(const space::SearchSpace& family, double width_multiplier,
                            int resolution) {
  space::SearchSpace space = family;
  space.width_multiplier = width_multiplier;
  space.resolution = resolution;
  space.name =
      family.name + "-r" + std::to_string(resolution) + "-w" + number_text(width_multiplier);
  return space;
}

const char* final_training_start_name(FinalTrainingStart start) {
  return start == FinalTrainingStart::kSupernet ? "supernet" : "scratch";
}

const char* schedule_choice_name(ScheduleChoice choice) {
  return choice == ScheduleChoice::kPlain ? "plain" : "joint";
}

SearchJob parse_search_job(const nlohmann::json& document, const std::string& base_dir,
                           const std::string& boards_dir, const std::string& origin) {
  config::FieldErrors errors;
  SearchJob job;
  job.document = document;
  const config::ObjectReader root(document, "", errors);
  root.reject_unknown_keys({"format", "name", "board", "constraints", "dataset", "space", "stage1",
                            "supernet", "evolution", "final_training", "farm", "farms",
                            "output_dir", "seed"});
  if (const auto format = root.string("format"); format && *format != kSearchJobFormat) {
    errors.add("format", std::string("\"") + kSearchJobFormat + "\"", "\"" + *format + "\"");
  }
  if (const auto name = root.string("name", config::kOptional)) job.name = *name;
  bool board_ok = false;
  if (const auto kind = root.string("board")) {
    try {
      job.board = profiler::find_board_spec(*kind, boards_dir);
      board_ok = true;
    } catch (const std::exception& e) {
      errors.add("board", "a known board kind (" + std::string(e.what()) + ")",
                 "\"" + *kind + "\"");
    }
  }
  parse_constraints(root, job);
  if (board_ok) check_against_board(root, job);
  parse_dataset(root, base_dir, job);
  const bool space_ok = parse_space(root, base_dir, job);
  parse_stage1(root, space_ok, job);
  parse_supernet(root, base_dir, job);
  parse_evolution(root, job);
  parse_final_training(root, job);
  parse_farms(root, job);
  if (const auto out = root.string("output_dir")) job.output_dir = *out;
  if (const auto seed = root.integer("seed", 0, kMaxSeed, config::kOptional)) {
    job.seed = static_cast<uint64_t>(*seed);
  }
  if (job.name.empty() && space_ok) job.name = job.space.name;
  errors.throw_if_any(origin);
  return job;
}

SearchJob load_search_job(const std::string& path, const std::string& boards_dir) {
  SearchJob job = parse_search_job(config::read_json_file(path),
                                   fs::path(path).parent_path().string(), boards_dir, path);
  job.job_path = path;
  return job;
}

}  // namespace tinynas::nas
