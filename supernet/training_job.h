// The supernet training job file ("tinynas-train/1"): search space, dataset, optimiser and the
// progressive-shrinking phases. Every number of a training run comes from here.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "datasets/dataset_config.h"
#include "space/search_space.h"
#include "space/subnet_config.h"

namespace tinynas::supernet {

inline constexpr const char* kTrainJobFormat = "tinynas-train/1";

// The job's "dataset" object (datasets/dataset_config.h).
using DatasetConfig = datasets::DatasetConfig;

// One phase of progressive shrinking (OFA section 3.2): which choices subnets are sampled
// from, for how many epochs, at which learning rate (cosine-annealed within the phase).
enum class LearningRateSchedule { kCosine, kConstant };

struct PhaseConfig {
  std::string name;
  int epochs = 0;
  double learning_rate = 0.0;
  int warmup_epochs = 0;  // linear warm-up from 0 at the start of the phase
  // After the warm-up the rate is cosine-annealed to zero by the phase's end, or held: a phase
  // whose weights are only a starting point (a supernet epoch before a searched network's own
  // training) need not settle into a minimum that the next phase's high rate leaves again.
  LearningRateSchedule schedule = LearningRateSchedule::kCosine;
  int subnets_per_step = 1;  // gradients of this many sampled subnets are accumulated
  // Soft targets from the largest subnet; in a phase that trains one fixed subnet, from the
  // job's frozen "teacher" instead.
  bool distillation = false;
  space::ChoiceSet choices;    // a dimension not given in the file: largest only
  bool sort_channels = false;  // re-sort middle channels by importance at phase start
  // Sandwich rule with in-place distillation (Yu et al., "BigNAS", ECCV 2020): every step also
  // trains the largest subnet on the labels and the phase's smallest subnet, and the largest's
  // predictions are the soft targets of the others (no separate teacher pass).
  bool sandwich = false;
  // One fixed subnet trained alone for the whole phase (no sampling, no teacher): fine-tuning a
  // searched network with the weights it inherited, as once-for-all does before deployment
  // (Cai et al., ICLR 2020, section 4), or training one network from scratch.
  std::optional<space::SubnetConfig> subnet;
};

struct TrainingJob {
  std::string job_path;     // the file it was read from ("" when parsed from JSON)
  nlohmann::json document;  // as read, stored in checkpoints
  space::SearchSpace space;
  DatasetConfig dataset;
  std::string output_dir;
  // A checkpoint folder of the same space whose weights start a new run (not a resumed one).
  std::string init_from;
  // A checkpoint folder whose largest subnet, frozen (no gradients, BN recalibrated once), gives
  // the soft targets of fixed-subnet phases with distillation: a searched network fine-tuned
  // under the supernet's largest subnet (OFA trains its subnets under the full network).
  std::string teacher;
  uint64_t seed = 0;
  int threads = 0;  // 0: LibTorch's default
  int batch_size = 0;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  double label_smoothing = 0.0;
  double distillation_weight = 0.0;
  int bn_calibration_batches = 0;
  int eval_batch_size = 0;
  std::vector<PhaseConfig> phases;

  int total_epochs() const;
};

// `base_dir` resolves relative "space", "init_from" and phase "subnet" paths (the job file's
// folder when loading a file). Throws compiler::SpecError listing every bad field by its JSON
// path; `origin` names the document in the message.
TrainingJob parse_training_job(const nlohmann::json& document, const std::string& base_dir,
                               const std::string& origin = "training job");
TrainingJob load_training_job(const std::string& path);  // origin: the path

}  // namespace tinynas::supernet
