#include "supernet/progressive_shrinking.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <random>

#include "distributed/process_group.h"
#include "supernet/checkpoint.h"
#include "supernet/data_batches.h"
#include "supernet/job_datasets.h"
#include "supernet/ofa_supernet.h"
#include "supernet/subnet_evaluation.h"

namespace tinynas::supernet {
namespace {

namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

// Seeds derived from the job seed, per purpose and epoch, so a resumed run replays the same
// data order and subnet samples as an uninterrupted one.
constexpr uint64_t kOrderSeedStride = 1000003;
constexpr uint64_t kSubnetSeedStride = 7919;
constexpr uint64_t kSubnetSeedOffset = 17;
constexpr uint64_t kCalibrationSeedOffset = 29;
constexpr uint64_t kTeacherCalibrationSeedOffset = 31;
constexpr double kPi = 3.14159265358979323846;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Linear warm-up, then cosine annealing to zero over the rest of the phase (Loshchilov &
// Hutter, "SGDR", ICLR 2017) or a constant rate, evaluated per step.
double learning_rate_at(const PhaseConfig& phase, int epoch_in_phase, int step, int steps) {
  const double t = epoch_in_phase + static_cast<double>(step) / steps;
  if (t < phase.warmup_epochs) return phase.learning_rate * t / phase.warmup_epochs;
  if (phase.schedule == LearningRateSchedule::kConstant) return phase.learning_rate;
  const double progress = (t - phase.warmup_epochs) / (phase.epochs - phase.warmup_epochs);
  return 0.5 * phase.learning_rate * (1.0 + std::cos(kPi * progress));
}

// OFA excludes batch-norm parameters, biases and kernel transforms from weight decay.
std::unique_ptr<torch::optim::SGD> make_optimizer(OFASupernet& net, const TrainingJob& job,
                                                  double learning_rate) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& item : net->named_parameters()) {
    const std::string& name = item.key();
    const bool is_conv_or_linear_weight =
        item.value().dim() > 1 && name.find("transform_") == std::string::npos;
    (is_conv_or_linear_weight ? decay : no_decay).push_back(item.value());
  }
  auto options = torch::optim::SGDOptions(learning_rate)
                     .momentum(job.momentum)
                     .nesterov(job.nesterov && job.momentum > 0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::SGDOptions>(
                                 torch::optim::SGDOptions(options).weight_decay(job.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::SGDOptions>(
                                    torch::optim::SGDOptions(options).weight_decay(0.0)));
  return std::make_unique<torch::optim::SGD>(std::move(groups), options);
}

void set_learning_rate(torch::optim::SGD& optimizer, double learning_rate) {
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::SGDOptions&>(group.options()).lr(learning_rate);
  }
}

// Drops the gradients instead of zeroing them (PyTorch's set_to_none). A zeroed gradient of a
// parameter that the sampled subnets do not use would still receive momentum and weight decay,
// so updates would depend on which parameters a previous step happened to touch, and a resumed
// run (starting with no gradients) would diverge from an uninterrupted one.
void drop_gradients(OFASupernet& net) {
  for (torch::Tensor& parameter : net->parameters()) parameter.mutable_grad() = torch::Tensor();
}

// Cross entropy against the teacher's soft targets (Hinton et al. 2015, temperature 1, as OFA).
torch::Tensor distillation_loss(const torch::Tensor& logits, const torch::Tensor& teacher_probs) {
  return -(teacher_probs * torch::log_softmax(logits, 1)).sum(1).mean();
}

// The smallest subnet a phase samples: its smallest depth, kernel and expand ratio everywhere.
space::SubnetConfig smallest_in_phase(const TrainingJob& job, const PhaseConfig& phase) {
  const auto smallest = [](const std::vector<int>& values) {
    return *std::min_element(values.begin(), values.end());
  };
  const space::BlockChoice block{smallest(phase.choices.kernel_sizes),
                                 smallest(phase.choices.expand_ratios)};
  space::SubnetConfig subnet;
  subnet.stages.assign(
      job.space.stages.size(),
      std::vector<space::BlockChoice>(static_cast<size_t>(smallest(phase.choices.depths)), block));
  return subnet;
}

struct PhasePosition {
  int phase = 0;
  int epoch_in_phase = 0;
};

PhasePosition position_of(const TrainingJob& job, int epoch) {
  int start = 0;
  for (size_t p = 0; p < job.phases.size(); ++p) {
    if (epoch < start + job.phases[p].epochs) return {static_cast<int>(p), epoch - start};
    start += job.phases[p].epochs;
  }
  return {static_cast<int>(job.phases.size()), 0};
}

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

std::optional<double> optional_number(const nlohmann::json& object, const char* key) {
  if (!object.contains(key) || object.at(key).is_null()) return std::nullopt;
  return object.at(key).get<double>();
}

nlohmann::json make_metadata(const TrainingJob& job, int completed_epochs,
                             const std::vector<EpochSummary>& history, double wall_seconds) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const EpochSummary& summary : history) epochs.push_back(summary.to_json());
  const PhasePosition position = position_of(job, completed_epochs);
  return {{"format", kCheckpointFormat},
          {"completed_epochs", completed_epochs},
          {"total_epochs", job.total_epochs()},
          {"next_phase", position.phase},
          {"wall_seconds", wall_seconds},
          {"seed", job.seed},
          {"space", space::search_space_to_json(job.space)},
          {"job", job.document},
          {"job_path", job.job_path},
          {"history", epochs}};
}

EpochSummary epoch_summary_from_json(const nlohmann::json& e) {
  EpochSummary summary;
  summary.epoch = e.at("epoch");
  summary.phase = e.at("phase");
  summary.train_loss = e.at("train_loss");
  summary.train_accuracy = e.at("train_accuracy");
  summary.largest_validation_accuracy = optional_number(e, "largest_validation_accuracy");
  summary.smallest_validation_accuracy = optional_number(e, "smallest_validation_accuracy");
  summary.subnet_validation_accuracy = optional_number(e, "subnet_validation_accuracy");
  summary.seconds = e.at("seconds");
  summary.images_per_second = e.at("images_per_second");
  return summary;
}

// What one training run works on; the supernet and the data outlive it.
struct TrainingRun {
  const TrainingJob& job;
  const TrainingOptions& options;
  const TrainingCallbacks& callbacks;
  std::string dir;
  const JobDatasets& data;
  OFASupernet& net;
  space::SubnetConfig largest;
  space::SubnetConfig smallest;
  OFASupernetImpl* teacher;          // the job's frozen teacher; null without one
  distributed::ProcessGroup* group;  // null: this process alone

  int world_size() const { return group ? group->size() : 1; }
  // Rank 0 (or the only process): the one that touches the checkpoint and reports.
  bool leader() const { return group == nullptr || group->rank() == 0; }
  void say(const std::string& text) const {
    if (leader() && callbacks.on_message) callbacks.on_message(text);
  }
};

// Where a run starts: the epochs an interrupted run completed (their history and wall time
// included), after loading its weights; or epoch 0 with the job's initial weights, if any.
struct StartingPoint {
  int completed_epochs = 0;
  double previous_wall_seconds = 0.0;
  std::vector<EpochSummary> history;
  std::string optimizer_state;  // of the resumed checkpoint ("" when none)
};

// Rank 0's parameters and buffers copied into every rank's.
void broadcast_weights(const TrainingRun& run) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor tensor : run.net->parameters()) run.group->broadcast(tensor);
  for (torch::Tensor tensor : run.net->buffers()) run.group->broadcast(tensor);
}

// In a data-parallel run rank 0 reads the checkpoint (or the initial weights) and hands its
// metadata, weights and optimizer state to the others, whose machines need not have the files.
StartingPoint load_starting_point(const TrainingRun& run) {
  StartingPoint start;
  if (run.options.resume) {
    std::string metadata_text;
    if (run.leader()) {
      metadata_text = read_checkpoint_metadata(run.dir).dump();
      load_supernet_weights(run.dir, run.net);
      start.optimizer_state = read_optimizer_state(run.dir);
    }
    if (run.group) {
      run.group->broadcast(metadata_text);
      run.group->broadcast(start.optimizer_state);
    }
    const nlohmann::json metadata = nlohmann::json::parse(metadata_text);
    start.completed_epochs = metadata.at("completed_epochs").get<int>();
    start.previous_wall_seconds = metadata.at("wall_seconds").get<double>();
    for (const nlohmann::json& e : metadata.at("history")) {
      start.history.push_back(epoch_summary_from_json(e));
    }
    run.say("resuming " + run.dir + " after epoch " + std::to_string(start.completed_epochs));
  } else if (!run.job.init_from.empty() && run.leader()) {
    load_supernet_weights(run.job.init_from, run.net);
    run.say("weights from " + run.job.init_from);
  }
  if (run.group) broadcast_weights(run);
  return start;
}

// Entering a phase: the optimizer starts with fresh momentum (a phase may re-sort channels,
// which would misalign the momentum buffers of the previous one), except that a resumed run
// in the middle of a phase continues with the saved state.
std::unique_ptr<torch::optim::SGD> start_phase(const TrainingRun& run,
                                               const PhasePosition& position,
                                               const PhaseConfig& phase,
                                               const std::string& resumed_optimizer_state) {
  if (position.epoch_in_phase == 0 && phase.sort_channels) {
    run.net->sort_channels_by_importance();
    run.say("sorted middle channels by importance");
  }
  std::unique_ptr<torch::optim::SGD> optimizer =
      make_optimizer(run.net, run.job, phase.learning_rate);
  if (position.epoch_in_phase > 0 && !resumed_optimizer_state.empty()) {
    load_optimizer_state(resumed_optimizer_state, *optimizer);
  }
  run.say("phase " + std::to_string(position.phase + 1) + "/" +
          std::to_string(run.job.phases.size()) + " '" + phase.name +
          "': " + std::to_string(phase.epochs) + " epochs, " +
          std::to_string(phase.subnets_per_step) + " subnet(s) per step");
  return optimizer;
}

// The running sums of an epoch's training, over every subnet trained in it.
struct EpochTotals {
  double loss_sum = 0.0;
  int64_t correct = 0;
  int64_t seen = 0;
  int64_t subnets_trained = 0;
  double loss() const { return loss_sum / static_cast<double>(subnets_trained); }
  double accuracy() const { return static_cast<double>(correct) / static_cast<double>(seen); }

  // The totals of every rank's share: losses are means over a share, so their mean over the
  // (equal) shares is the loss of the global batch.
  void sum_over(distributed::ProcessGroup& group) {
    torch::Tensor sums = torch::tensor(
        {loss_sum, static_cast<double>(correct), static_cast<double>(seen)}, torch::kDouble);
    std::vector<torch::Tensor> reduced{sums};
    group.all_reduce_sum(reduced);
    loss_sum = sums[0].item<double>() / group.size();
    correct = static_cast<int64_t>(sums[1].item<double>());
    seen = static_cast<int64_t>(sums[2].item<double>());
  }
};

// Every rank's gradients averaged into every rank's (one all-reduce over all of them). All ranks
// trained the same subnets, so the same parameters have gradients everywhere.
void average_gradients(const TrainingRun& run) {
  std::vector<torch::Tensor> gradients;
  for (const torch::Tensor& parameter : run.net->parameters()) {
    if (parameter.grad().defined()) gradients.push_back(parameter.grad());
  }
  if (gradients.empty()) return;
  std::vector<torch::Tensor> flat_views;
  for (const torch::Tensor& gradient : gradients) flat_views.push_back(gradient.reshape({-1}));
  std::vector<torch::Tensor> reduced{torch::cat(flat_views)};
  run.group->all_reduce_sum(reduced);
  reduced[0].div_(run.group->size());
  int64_t offset = 0;
  for (torch::Tensor& gradient : gradients) {
    const int64_t count = gradient.numel();
    gradient.copy_(reduced[0].narrow(0, offset, count).view_as(gradient));
    offset += count;
  }
}

// One subnet's forward and backward pass on the batch; its gradients add to those of the other
// subnets of the step (OFA). Returns its logits.
torch::Tensor train_subnet(const TrainingRun& run, const space::SubnetConfig& subnet,
                           const Batch& batch, const torch::Tensor& soft_targets,
                           EpochTotals& totals) {
  run.net->set_active_subnet(subnet);
  const torch::Tensor logits = run.net->forward(batch.images);
  torch::Tensor loss = F::cross_entropy(
      logits, batch.labels, F::CrossEntropyFuncOptions().label_smoothing(run.job.label_smoothing));
  if (soft_targets.defined())
    loss = loss + run.job.distillation_weight * distillation_loss(logits, soft_targets);
  loss.backward();
  totals.loss_sum += loss.item<double>();
  totals.correct += logits.argmax(1).eq(batch.labels).sum().item<int64_t>();
  totals.seen += batch.labels.size(0);
  ++totals.subnets_trained;
  return logits;
}

// One optimizer step on one batch: the phase's fixed subnet, or the sandwich (largest, then the
// phase's smallest distilled from it) and/or subnets sampled from the phase's choices.
void train_step(const TrainingRun& run, const PhaseConfig& phase, const Batch& batch,
                std::mt19937_64& subnet_rng, torch::optim::SGD& optimizer, EpochTotals& totals) {
  const bool distill = phase.distillation && run.job.distillation_weight > 0.0;
  drop_gradients(run.net);
  torch::Tensor teacher_probs;
  if (phase.subnet) {
    if (distill && run.teacher) {
      torch::NoGradGuard no_grad;
      teacher_probs = torch::softmax(run.teacher->forward(batch.images), 1);
    }
    train_subnet(run, *phase.subnet, batch, teacher_probs, totals);
  } else if (phase.sandwich) {
    const torch::Tensor logits = train_subnet(run, run.largest, batch, torch::Tensor(), totals);
    if (distill) teacher_probs = torch::softmax(logits.detach(), 1);
    train_subnet(run, smallest_in_phase(run.job, phase), batch, teacher_probs, totals);
  } else if (distill) {
    torch::NoGradGuard no_grad;
    run.net->set_active_subnet(run.largest);
    teacher_probs = torch::softmax(run.net->forward(batch.images), 1);
  }
  for (int k = 0; !phase.subnet && k < phase.subnets_per_step; ++k) {
    train_subnet(run, space::sample_subnet(run.job.space, phase.choices, subnet_rng), batch,
                 teacher_probs, totals);
  }
  if (run.group) average_gradients(run);
  optimizer.step();
}

// The training pass over one epoch's batches (in the epoch's seeded order), reporting every
// step; returns the summary with the training figures.
EpochSummary train_epoch(const TrainingRun& run, int epoch, const PhasePosition& position,
                         const PhaseConfig& phase, torch::optim::SGD& optimizer,
                         Clock::time_point epoch_start) {
  const TrainingJob& job = run.job;
  const ImageDataset& train = run.data.training_source();
  const std::vector<size_t> order =
      shuffled_order(train.size(), job.seed * kOrderSeedStride + static_cast<uint64_t>(epoch));
  std::mt19937_64 subnet_rng(job.seed + kSubnetSeedOffset +
                             kSubnetSeedStride * static_cast<uint64_t>(epoch));
  const uint64_t augmentation_seed = job.seed + static_cast<uint64_t>(epoch);
  const Augmentation& augmentation = run.data.augmentation;
  // This rank's share of every global batch.
  const size_t share = static_cast<size_t>(job.batch_size / run.world_size());
  const size_t share_offset = run.group ? share * static_cast<size_t>(run.group->rank()) : 0;
  const int steps = static_cast<int>(train.size() / static_cast<size_t>(job.batch_size));
  if (steps == 0) {
    throw std::invalid_argument("batch_size " + std::to_string(job.batch_size) + " exceeds the " +
                                std::to_string(train.size()) + " training images");
  }
  EpochTotals totals;
  for (int step = 0; step < steps; ++step) {
    const double lr = learning_rate_at(phase, position.epoch_in_phase, step, steps);
    set_learning_rate(optimizer, lr);
    const size_t begin =
        static_cast<size_t>(step) * static_cast<size_t>(job.batch_size) + share_offset;
    const Batch batch =
        make_augmented_batch(train, order, begin, begin + share, augmentation, augmentation_seed);
    train_step(run, phase, batch, subnet_rng, optimizer, totals);
    if (run.leader() && run.callbacks.on_step) {
      StepProgress progress;
      progress.phase = phase.name;
      progress.phase_index = position.phase;
      progress.phase_count = static_cast<int>(job.phases.size());
      progress.epoch = epoch + 1;
      progress.total_epochs = job.total_epochs();
      progress.step = step + 1;
      progress.steps_per_epoch = steps;
      progress.loss = totals.loss();
      progress.accuracy = totals.accuracy();
      progress.images_per_second =
          static_cast<double>(totals.seen) * run.world_size() / seconds_since(epoch_start);
      progress.learning_rate = lr;
      run.callbacks.on_step(progress);
    }
  }
  if (run.group) totals.sum_over(*run.group);
  EpochSummary summary;
  summary.epoch = epoch + 1;
  summary.phase = phase.name;
  summary.train_loss = totals.loss();
  summary.train_accuracy = totals.accuracy();
  summary.images_per_second = static_cast<double>(totals.seen) / seconds_since(epoch_start);
  return summary;
}

// The validation accuracy the phase reports on (its fixed subnet, else the largest and the
// smallest), BN recalibrated; nothing without a validation split.
void validate_epoch(const TrainingRun& run, const PhaseConfig& phase, EpochSummary& summary) {
  if (run.data.validation.size() == 0) return;
  const uint64_t calibration_seed = run.job.seed + kCalibrationSeedOffset;
  const auto validation_accuracy = [&](const space::SubnetConfig& subnet) {
    return evaluate_subnet(*run.net, subnet, run.data.train, run.data.validation,
                           run.job.bn_calibration_batches, run.job.eval_batch_size,
                           calibration_seed)
        .accuracy;
  };
  if (phase.subnet) {
    summary.subnet_validation_accuracy = validation_accuracy(*phase.subnet);
  } else {
    summary.largest_validation_accuracy = validation_accuracy(run.largest);
    summary.smallest_validation_accuracy = validation_accuracy(run.smallest);
  }
}

// The checkpoint after an epoch (weights with the largest subnet active, optimizer, metadata)
// and the architecture files beside it.
void save_epoch_checkpoint(const TrainingRun& run, int epoch, const PhaseConfig& phase,
                           torch::optim::SGD& optimizer, const TrainingResult& result) {
  run.net->set_active_subnet(run.largest);
  save_checkpoint(run.dir, run.net, &optimizer,
                  make_metadata(run.job, epoch + 1, result.history, result.wall_seconds));
  // The two subnets every epoch reports on, ready for `tinynas eval --arch` and `memory`.
  space::save_subnet_arch(run.job.space, run.largest, run.dir + "/" + kLargestArchFile, "largest");
  space::save_subnet_arch(run.job.space, run.smallest, run.dir + "/" + kSmallestArchFile,
                          "smallest");
  if (phase.subnet) {
    space::save_subnet_arch(run.job.space, *phase.subnet, run.dir + "/" + kTrainedSubnetArchFile,
                            phase.name);
  }
}

// The job's teacher, when a phase distils into a fixed subnet: the checkpoint's largest
// subnet, its BN statistics recalibrated on the job's training images, frozen in eval mode.
std::optional<OFASupernet> load_teacher(const TrainingJob& job, const JobDatasets& data) {
  const bool wanted = std::any_of(job.phases.begin(), job.phases.end(),
                                  [](const PhaseConfig& p) { return p.subnet && p.distillation; });
  if (job.teacher.empty() || !wanted || job.distillation_weight <= 0.0) return std::nullopt;
  OFASupernet teacher = load_supernet_checkpoint(job.teacher);
  if (teacher->space().num_classes != job.space.num_classes) {
    throw std::invalid_argument(
        "teacher " + job.teacher + ": " + std::to_string(teacher->space().num_classes) +
        " classes, the job's data has " + std::to_string(job.space.num_classes));
  }
  for (torch::Tensor& parameter : teacher->parameters()) parameter.set_requires_grad(false);
  torch::NoGradGuard no_grad;
  teacher->set_active_subnet(space::largest_subnet(teacher->space()));
  recalibrate_batch_norm(*teacher, data.train, job.bn_calibration_batches, job.batch_size,
                         job.seed + kTeacherCalibrationSeedOffset);
  return teacher;
}

}  // namespace

nlohmann::json EpochSummary::to_json() const {
  nlohmann::json out = {
      {"epoch", epoch},
      {"phase", phase},
      {"train_loss", train_loss},
      {"train_accuracy", train_accuracy},
      {"largest_validation_accuracy", optional_json(largest_validation_accuracy)},
      {"smallest_validation_accuracy", optional_json(smallest_validation_accuracy)},
      {"seconds", seconds},
      {"images_per_second", images_per_second}};
  if (subnet_validation_accuracy) out["subnet_validation_accuracy"] = *subnet_validation_accuracy;
  return out;
}

TrainingResult train_supernet(const TrainingJob& job_file, const TrainingOptions& options,
                              const TrainingCallbacks& callbacks) {
  // The space takes the dataset's channels and classes.
  TrainingJob job = job_file;
  job.space = space_for_dataset(job_file.space, job_file.dataset);
  if (job.threads > 0) torch::set_num_threads(job.threads);
  distributed::ProcessGroup* group = options.group.get();
  if (group && job.batch_size % group->size() != 0) {
    throw std::invalid_argument("batch_size " + std::to_string(job.batch_size) +
                                " is not divisible by the " + std::to_string(group->size()) +
                                " processes of the run (each takes an equal share)");
  }
  torch::manual_seed(job.seed);
  const JobDatasets data = load_job_datasets(job.dataset, job.space, job.seed);
  OFASupernet net(job.space);
  std::optional<OFASupernet> teacher = load_teacher(job, data);
  net->synchronize_batch_norm(options.group);
  const TrainingRun run{job,
                        options,
                        callbacks,
                        options.output_dir.empty() ? job.output_dir : options.output_dir,
                        data,
                        net,
                        space::largest_subnet(job.space),
                        space::smallest_subnet(job.space),
                        teacher ? teacher->get() : nullptr,
                        group};
  if (teacher) run.say("teacher: the largest subnet of " + job.teacher);
  run.say("dataset: " + data.description);
  for (const datasets::SkippedFile& skipped : data.skipped) run.say("  skipped " + skipped.reason);
  run.say("data: " + std::to_string(data.train.size()) + " train, " +
          std::to_string(data.validation.size()) + " validation, " +
          std::to_string(data.test.size()) + " test images at " +
          std::to_string(job.space.resolution) + "x" + std::to_string(job.space.resolution));

  StartingPoint starting_point = load_starting_point(run);
  TrainingResult result;
  result.checkpoint_dir = run.dir;
  result.history = std::move(starting_point.history);
  const auto start = Clock::now();
  const int total_epochs = job.total_epochs();
  const int last_epoch =
      options.max_epochs > 0
          ? std::min(total_epochs, starting_point.completed_epochs + options.max_epochs)
          : total_epochs;
  std::unique_ptr<torch::optim::SGD> optimizer;
  int optimizer_phase = -1;
  for (int epoch = starting_point.completed_epochs; epoch < last_epoch; ++epoch) {
    const PhasePosition position = position_of(job, epoch);
    const PhaseConfig& phase = job.phases[static_cast<size_t>(position.phase)];
    if (optimizer_phase != position.phase) {
      optimizer = start_phase(run, position, phase, starting_point.optimizer_state);
      optimizer_phase = position.phase;
    }
    net->train();
    const auto epoch_start = Clock::now();
    EpochSummary summary = train_epoch(run, epoch, position, phase, *optimizer, epoch_start);
    if (run.leader()) validate_epoch(run, phase, summary);
    summary.seconds = seconds_since(epoch_start);
    result.history.push_back(summary);
    result.wall_seconds = starting_point.previous_wall_seconds + seconds_since(start);
    if (run.leader()) save_epoch_checkpoint(run, epoch, phase, *optimizer, result);
    if (run.leader() && callbacks.on_epoch) callbacks.on_epoch(summary);
  }
  result.wall_seconds = starting_point.previous_wall_seconds + seconds_since(start);
  return result;
}

}  // namespace tinynas::supernet
