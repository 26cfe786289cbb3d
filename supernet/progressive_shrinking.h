// The progressive-shrinking trainer of a once-for-all supernet (Cai et al., ICLR 2020,
// section 3.2): the full network first, then the phases of the job that open up kernel size,
// depth and expand ratio, sampling several subnets per step with gradients accumulated and
// distilling from the largest subnet. No LibTorch in this header.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "supernet/training_job.h"

namespace tinynas::distributed {
class ProcessGroup;
}

namespace tinynas::supernet {

// Architecture files written next to every checkpoint.
inline constexpr const char* kLargestArchFile = "largest.arch.json";
inline constexpr const char* kSmallestArchFile = "smallest.arch.json";
// Written when the last phase run trains one fixed subnet: that subnet.
inline constexpr const char* kTrainedSubnetArchFile = "subnet.arch.json";

struct StepProgress {
  std::string phase;
  int phase_index = 0, phase_count = 0;
  int epoch = 0, total_epochs = 0;  // epoch counts from 1
  int step = 0, steps_per_epoch = 0;
  double loss = 0.0;               // running mean over the epoch so far
  double accuracy = 0.0;           // of the sampled subnets on their training batches
  double images_per_second = 0.0;  // subnet forward+backward images per second
  double learning_rate = 0.0;
};

struct EpochSummary {
  int epoch = 0;  // from 1
  std::string phase;
  double train_loss = 0.0;
  double train_accuracy = 0.0;
  // Phases that sample subnets report the largest and the smallest; a phase that trains one
  // fixed subnet reports that one only.
  std::optional<double> largest_validation_accuracy;
  std::optional<double> smallest_validation_accuracy;
  std::optional<double> subnet_validation_accuracy;
  double seconds = 0.0;
  double images_per_second = 0.0;
  nlohmann::json to_json() const;
};

struct TrainingCallbacks {
  std::function<void(const StepProgress&)> on_step;
  std::function<void(const EpochSummary&)> on_epoch;
  std::function<void(const std::string&)> on_message;  // phase changes, resume, ...
};

struct TrainingOptions {
  bool resume = false;     // continue from the checkpoint in the output folder
  std::string output_dir;  // overrides the job's output_dir when not empty
  int max_epochs = 0;      // stop after this many epochs of this call (0: all); for tests
  // Data-parallel training over the ranks of this group (null: this process alone). Every rank
  // trains the same subnets on its share of each global batch (the job's batch_size), with
  // gradients averaged and batch-norm statistics synchronized; rank 0 alone reads and writes
  // the checkpoint, validates and calls the callbacks.
  std::shared_ptr<distributed::ProcessGroup> group;
};

struct TrainingResult {
  std::string checkpoint_dir;
  std::vector<EpochSummary> history;
  double wall_seconds = 0.0;  // over all runs, resumed ones included
};

// Throws on bad input (dataset, checkpoint) with a message naming the file.
TrainingResult train_supernet(const TrainingJob& job, const TrainingOptions& options,
                              const TrainingCallbacks& callbacks = {});

}  // namespace tinynas::supernet
