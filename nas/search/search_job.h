// The search job file ("tinynas-search/1"): the board and its limits, the dataset, the space
// family and the stage-1 grid, the supernet (train one or load a checkpoint), the evolution
// settings, the farm and where results go. parse_search_job() checks every field before any work
// starts and reports all problems at once (config::ConfigError), each with its JSON path, what was
// expected and what was found.
//
//   {"format": "tinynas-search/1", "board": "qemu-mps2-an386",
//    "constraints": {"peak_sram_bytes": 65536, "flash_bytes": 262144, "latency_ms": 300,
//                    "schedule": "joint"},
//    "dataset": {"kind": "fashion-mnist", "path": "...", "validation_size": 2000, ...},
//    "space": "../spaces/fmnist-r28-w1.0.json",
//    "stage1": {"width_multipliers": [0.5, 0.75, 1.0], "resolutions": [20, 24, 28],
//               "samples": 1000},
//    "supernet": {"checkpoint": "runs/x/supernet"} | {"train": {<tinynas-train/1 fields>}},
//    "evolution": {"population": 100, "generations": 500, ...},
//    "final_training": {"from": "scratch", "epochs": 4, "learning_rate": 0.1},
//    "farm": "http://127.0.0.1:8470",   (or "farms": ["http://a:8470", {"url": "http://b:8470",
//                                          "token_env": "FARM_B_TOKEN"}])
//    "output_dir": "runs/quickstart", "seed": 1}
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "datasets/dataset_config.h"
#include "engine/compiler/memory_plan.h"
#include "profiler/board_spec.h"
#include "space/search_space.h"

namespace tinynas::nas {

inline constexpr const char* kSearchJobFormat = "tinynas-search/1";

// How a candidate may meet the SRAM limit: the execution schedule is part of the candidate
// (joint search, as in MCUNetV2: Lin et al., NeurIPS 2021).
enum class ScheduleChoice {
  kPlain,  // op by op only
  kJoint,  // op by op where that fits (fastest), else the planner's smallest-peak schedule
           // (compiler::Schedule::kAuto: fused inverted residuals where they lower the peak)
};
// "plain", "joint".
const char* schedule_choice_name(ScheduleChoice choice);

// Any subset; an absent limit is not checked.
struct Constraints {
  std::optional<int64_t> peak_sram_bytes;  // arena + scratch, from the memory planner
  std::optional<int64_t> flash_bytes;      // the .tnm file size
  std::optional<double> latency_ms;        // on the job's board
  ScheduleChoice schedule = ScheduleChoice::kJoint;
  // The joint schedule's limit on MACs computed beyond the network's (patch overlap), as a
  // fraction of them (memory/compile's --max-mac-overhead in percent / 100).
  double max_mac_overhead = compiler::kDefaultMaxMacOverhead;
};

struct Stage1Settings {
  bool enabled = false;  // false: the space file is searched as it is
  std::vector<double> width_multipliers;
  std::vector<int> resolutions;
  int samples = 1000;  // random subnets per (width, resolution)
};

// Defaults as once-for-all's evolution finder (Cai et al., ICLR 2020): population 100, 500
// generations, parent ratio 0.25, mutation ratio 0.5, mutation probability 0.1.
// What the evolution ranks candidates by. kAccuracy: the supernet's validation accuracy of the
// candidate (once-for-all's evolution finder). kMacs: the most MACs within the limits, the
// supernet's accuracy breaking ties; the capacity proxy MCUNet's stage 1 ranks spaces by, for
// budgets where the weight-shared ranking is biased (a supernet trained for an epoch or two
// ranks subnets whose channels every sample trains, small expand ratios, above larger ones that
// end better once trained alone: README, "Quickstart").
enum class EvolutionObjective { kAccuracy, kMacs };
const char* evolution_objective_name(EvolutionObjective objective);  // "accuracy", "macs"

struct EvolutionSettings {
  EvolutionObjective objective = EvolutionObjective::kAccuracy;
  int population = 100;
  int generations = 500;
  double parent_ratio = 0.25;
  double mutation_ratio = 0.5;        // share of children made by mutation (rest: crossover)
  double mutation_probability = 0.1;  // per gene
  int max_tries = 1000;               // draws per child before the search gives up
  int hardware_every = 1;             // generations between hardware rounds
  int hardware_top_k = 3;             // best unmeasured candidates measured per round
  int calibration_samples = 16;       // random subnets measured to fit the first latency model
  int measure_runs = 1;               // RUN iterations per board measurement
};

struct SupernetSettings {
  std::string checkpoint;  // a trained checkpoint (folder), or empty ...
  nlohmann::json train;    // ... then the training settings (tinynas-train/1 minus space,
                           // dataset, output_dir and seed, which come from this job)
  int threads = 0;         // LibTorch threads, 0: default
  // Worker processes of data-parallel training on this machine (`tinynas train --nproc`), for
  // the supernet and the final training; 1: in the search's own process.
  int nproc = 1;
  int accuracy_calibration_batches = 0;  // BN recalibration batches per candidate (0: train's)
};

// After the search, the best network's own training (the deployed weights): from the weights
// it inherited from the supernet (once-for-all's fine-tuning, Cai et al., ICLR 2020, section
// 4), or from scratch with the supernet's training settings (how NAS papers compare a searched
// network with hand-designed ones: the same recipe for both). The search's "supernet.train"
// settings (batch, optimizer, label smoothing, ...) apply; only the phase comes from here.
enum class FinalTrainingStart { kSupernet, kScratch };
// "supernet", "scratch".
const char* final_training_start_name(FinalTrainingStart start);

struct FinalTrainingSettings {
  FinalTrainingStart start = FinalTrainingStart::kSupernet;
  int epochs = 1;
  double learning_rate = 0.0;
  int warmup_epochs = 0;
  // > 0: the loss adds this weight x the cross entropy against the soft targets of the
  // supernet's largest subnet (frozen; supernet/training_job.h, "teacher").
  double distillation_weight = 0.0;
  // > 0: the final training holds out only this many images for validation, the first ones of
  // the search's own validation split (the same seeded order), and trains on the rest: a large
  // split ranks the candidates, and the network that ships still learns from all but a few.
  int validation_size = 0;
};

// A farm the search measures on: "farm" (one URL) or each item of "farms" (a URL, or an object
// with "url" and at most one of "token" and "token_env", the name of the environment variable
// that holds it). An empty token means $TINYNAS_FARM_TOKEN, read when the farm is contacted.
struct FarmRef {
  std::string url;
  std::string token;
};

struct SearchJob {
  std::string job_path;  // "" when parsed from a document
  nlohmann::json document;
  std::string name;
  profiler::BoardSpec board;
  Constraints constraints;
  nlohmann::json dataset;                  // passed to the training job as its "dataset"
  datasets::DatasetConfig dataset_config;  // the same, read
  std::string space_path;                  // absolute or relative to the working directory
  space::SearchSpace space;  // the space family (stage 1 varies its width and resolution)
  Stage1Settings stage1;
  SupernetSettings supernet;
  EvolutionSettings evolution;
  std::optional<FinalTrainingSettings> final_training;  // absent: ship the supernet's weights
  std::vector<FarmRef> farms;  // empty: boards are launched in-process (QEMU)
  std::string output_dir;
  uint64_t seed = 1;
};

// The space of the family at one grid point (width multiplier and resolution replaced, name
// suffixed "-r<res>-w<width>").
space::SearchSpace space_at(const space::SearchSpace& family, double width_multiplier,
                            int resolution);

// `base_dir` resolves relative "space", "dataset.path" and "supernet.checkpoint" paths (the job
// file's folder). `boards_dir` holds the board files. Throws config::ConfigError with every
// error.
SearchJob parse_search_job(const nlohmann::json& document, const std::string& base_dir,
                           const std::string& boards_dir = profiler::default_boards_dir(),
                           const std::string& origin = "job");
// Reads the file (syntax errors name line and column) and parses it; origin = the path.
SearchJob load_search_job(const std::string& path,
                          const std::string& boards_dir = profiler::default_boards_dir());

}  // namespace tinynas::nas
