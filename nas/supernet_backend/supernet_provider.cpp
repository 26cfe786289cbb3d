#include "nas/supernet_backend/supernet_provider.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include "distributed/local_launcher.h"
#include "supernet/checkpoint.h"
#include "supernet/int8_lowering.h"
#include "supernet/job_datasets.h"
#include "supernet/progressive_shrinking.h"
#include "supernet/subnet_evaluation.h"
#include "supernet/subnet_extraction.h"
#include "supernet/training_job.h"

namespace tinynas::nas {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPhaseTraining = "supernet training";
constexpr const char* kPhaseFinalTraining = "final training";
constexpr const char* kFinalSubnetArchFile = "train-subnet.arch.json";
constexpr int kJsonIndent = 2;
constexpr const char* kTrainJobFile = "train-job.json";
// BN recalibration batches draw from this seed offset (fixed: accuracy is cached per subnet).
constexpr uint64_t kRecalibrationSeedOffset = 29;
constexpr int kInt8CalibrationBatches = 8;

// The tinynas-train/1 document of the chosen space: the job's "supernet.train" settings plus
// the fields the search owns.
nlohmann::json training_document(const SearchJob& job, const std::string& space_path,
                                 const std::string& output_dir) {
  nlohmann::json doc = job.supernet.train;
  doc["format"] = supernet::kTrainJobFormat;
  doc["space"] = space_path;
  doc["dataset"] = job.dataset;
  doc["output_dir"] = output_dir;
  doc["seed"] = job.seed;
  return doc;
}

void write_json(const fs::path& path, const nlohmann::json& json) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << json.dump(kJsonIndent) << "\n";
  if (!out.flush()) throw std::runtime_error(path.string() + ": write failed");
}

// Trains `training` (its file: dir/train-job.json) into `dir` (continuing an interrupted run
// with `resume`; nothing when it is complete), reporting progress as `phase` and epochs as
// "<label>: epoch ...". With nproc > 1, `tinynas train --nproc` workers train it and their rank 0
// draws its own progress on stderr.
void train_checkpoint(const supernet::TrainingJob& training, const std::string& dir, bool resume,
                      int nproc, const std::string& phase, const std::string& label,
                      const SearchObserver& observer) {
  const bool done = fs::exists(fs::path(dir) / supernet::kMetadataFile) &&
                    supernet::read_checkpoint_metadata(dir).value("completed_epochs", 0) >=
                        training.total_epochs();
  if (done) return;
  supernet::TrainingOptions options;
  options.output_dir = dir;
  options.resume = resume && fs::exists(fs::path(dir) / supernet::kMetadataFile);
  if (nproc > 1) {
    if (observer.message) {
      observer.message(label + ": " + std::to_string(nproc) + " worker processes (--nproc)");
    }
    std::vector<std::string> arguments{"train", (fs::path(dir) / kTrainJobFile).string(),
                                       "--output", dir};
    if (options.resume) arguments.emplace_back("--resume");
    distributed::run_local_workers(nproc, arguments);
    return;
  }
  supernet::TrainingCallbacks callbacks;
  callbacks.on_step = [&observer, &training, &phase](const supernet::StepProgress& p) {
    if (!observer.progress) return;
    const int64_t total = int64_t{training.total_epochs()} * p.steps_per_epoch;
    observer.progress(phase, int64_t{p.epoch - 1} * p.steps_per_epoch + p.step, total);
  };
  callbacks.on_epoch = [&observer, &label](const supernet::EpochSummary& e) {
    if (!observer.message) return;
    const auto percent = [](double fraction) {
      return std::to_string(fraction * 100.0).substr(0, 5) + "%";
    };
    std::string text = label + ": epoch " + std::to_string(e.epoch) + " (" + e.phase + "): ";
    if (e.subnet_validation_accuracy) {
      text += "trained subnet " + percent(*e.subnet_validation_accuracy) + " on validation";
    } else if (e.largest_validation_accuracy && e.smallest_validation_accuracy) {
      text += "largest " + percent(*e.largest_validation_accuracy) + ", smallest " +
              percent(*e.smallest_validation_accuracy) + " on validation";
    }
    observer.message(text);
  };
  callbacks.on_message = [&observer, &label](const std::string& m) {
    if (observer.message) observer.message(label + ": " + m);
  };
  supernet::train_supernet(training, options, callbacks);
}

}  // namespace

struct SupernetBackedProvider::State {
  supernet::OFASupernet net{nullptr};
  supernet::JobDatasets data;
  int calibration_batches = 0;
  int batch_size = 0;
  uint64_t seed = 0;
  std::string checkpoint;
  // Each candidate's BN statistics, recalibrated once per net: the evolution ranks a candidate,
  // a hardware round compiles it and the export extracts it with the same statistics (the
  // recalibration is seeded), so later uses restore them instead of recomputing them.
  std::map<std::string, std::vector<torch::Tensor>> calibrated_buffers;

  // Activates `subnet` with its recalibrated BN statistics, in eval mode; the caller restores
  // the buffers it saved before.
  void activate_calibrated(const space::SubnetConfig& subnet) {
    torch::NoGradGuard no_grad;
    net->set_active_subnet(subnet);
    const std::string key = space::describe_subnet(subnet);
    const auto cached = calibrated_buffers.find(key);
    if (cached != calibrated_buffers.end()) {
      supernet::restore_buffers(*net, cached->second);
      net->eval();
      return;
    }
    supernet::recalibrate_batch_norm(*net, data.train, calibration_batches, batch_size,
                                     seed + kRecalibrationSeedOffset);
    calibrated_buffers.emplace(key, supernet::copy_buffers(*net));
  }

  class Accuracy : public AccuracyEvaluator {
   public:
    explicit Accuracy(State& s) : s_(s) {}
    double accuracy(const space::SubnetConfig& subnet) override {
      const bool was_training = s_.net->is_training();
      const space::SubnetConfig previous = s_.net->active_subnet();
      const std::vector<torch::Tensor> saved = supernet::copy_buffers(*s_.net);
      s_.activate_calibrated(subnet);
      const double accuracy =
          supernet::evaluate_accuracy([this](const torch::Tensor& x) { return s_.net->forward(x); },
                                      s_.data.validation, s_.batch_size)
              .accuracy;
      supernet::restore_buffers(*s_.net, saved);
      s_.net->set_active_subnet(previous);
      s_.net->train(was_training);
      return accuracy;
    }
    std::string description() const override {
      return "supernet " + s_.checkpoint + ", BN recalibrated, " + s_.data.validation.name;
    }

   private:
    State& s_;
  };

  class Int8Compiler : public SubnetCompiler {
   public:
    explicit Int8Compiler(State& s) : s_(s) {}
    std::vector<uint8_t> compile(const space::SubnetConfig& subnet,
                                 const compiler::PlannerOptions& planner) override {
      torch::NoGradGuard no_grad;
      const std::vector<torch::Tensor> saved = supernet::copy_buffers(*s_.net);
      s_.activate_calibrated(subnet);
      const supernet::StandaloneNetwork network = supernet::extract_subnet(*s_.net, subnet);
      supernet::restore_buffers(*s_.net, saved);
      const compiler::Graph graph = supernet::lower_to_int8_graph(
          network, s_.data.train, kInt8CalibrationBatches, s_.batch_size);
      return supernet::write_int8_model(graph, planner);
    }
    std::string description() const override { return "trained weights, int8 PTQ"; }

   private:
    State& s_;
  };

  std::unique_ptr<Accuracy> accuracy;
  std::unique_ptr<Int8Compiler> compiler;
};

SupernetBackedProvider::SupernetBackedProvider() : state_(std::make_unique<State>()) {}
SupernetBackedProvider::~SupernetBackedProvider() = default;

void SupernetBackedProvider::validate(const SearchJob& job) {
  if (!job.supernet.checkpoint.empty()) return;
  int batch_size = 0;
  try {
    batch_size =
        supernet::parse_training_job(training_document(job, job.space_path, "supernet"), "")
            .batch_size;
  } catch (const std::exception& e) {
    throw config::ConfigError(
        job.job_path.empty() ? "job" : job.job_path,
        {{"supernet.train", "settings the supernet trainer accepts (tinynas-train/1)", e.what()}});
  }
  if (batch_size % job.supernet.nproc != 0) {
    throw config::ConfigError(
        job.job_path.empty() ? "job" : job.job_path,
        {{"supernet.nproc",
          "a divisor of supernet.train.batch_size " + std::to_string(batch_size) +
              " (each process takes an equal share of every batch)",
          std::to_string(job.supernet.nproc)}});
  }
}

void SupernetBackedProvider::prepare(const SearchJob& job, const space::SearchSpace& space,
                                     const std::string& dir, bool resume,
                                     const SearchObserver& observer) {
  State& s = *state_;
  if (job.supernet.threads > 0) torch::set_num_threads(job.supernet.threads);
  std::string checkpoint = job.supernet.checkpoint;
  if (checkpoint.empty()) {
    const fs::path space_path = fs::path(dir) / "space.json";
    write_json(space_path, space::search_space_to_json(space));
    const nlohmann::json doc = training_document(job, space_path.string(), dir);
    write_json(fs::path(dir) / kTrainJobFile, doc);
    const supernet::TrainingJob training = supernet::parse_training_job(doc, "");
    train_checkpoint(training, dir, resume, job.supernet.nproc, kPhaseTraining, "supernet",
                     observer);
    checkpoint = dir;
  }
  const std::string ckpt_dir = supernet::checkpoint_dir(checkpoint);
  const nlohmann::json metadata = supernet::read_checkpoint_metadata(ckpt_dir);
  s.net = supernet::load_supernet_checkpoint(ckpt_dir);
  s.calibrated_buffers.clear();
  if (space::search_space_to_json(s.net->space()) != space::search_space_to_json(space)) {
    throw std::runtime_error("supernet checkpoint " + ckpt_dir + " was trained on space \"" +
                             s.net->space().name + "\", the search needs \"" + space.name +
                             "\" (drop stage1 from the job, or train a new supernet)");
  }
  const nlohmann::json& train_job = metadata.at("job");
  const supernet::DatasetConfig dataset = datasets::parse_dataset_config(
      train_job.at("dataset"), ckpt_dir + ": the training job's dataset");
  s.seed = train_job.value("seed", uint64_t{0});
  s.data = supernet::load_job_datasets(dataset, space, s.seed);
  if (s.data.validation.size() == 0) {
    throw std::runtime_error("supernet checkpoint " + ckpt_dir +
                             ": dataset.validation_size is 0, the search needs a validation "
                             "split held out of training");
  }
  s.calibration_batches = job.supernet.accuracy_calibration_batches > 0
                              ? job.supernet.accuracy_calibration_batches
                              : train_job.at("bn_calibration_batches").get<int>();
  s.batch_size = train_job.at("eval_batch_size").get<int>();
  s.checkpoint = ckpt_dir;
  s.accuracy = std::make_unique<State::Accuracy>(s);
  s.compiler = std::make_unique<State::Int8Compiler>(s);
}

AccuracyEvaluator& SupernetBackedProvider::accuracy() { return *state_->accuracy; }
SubnetCompiler& SupernetBackedProvider::compiler() { return *state_->compiler; }

void SupernetBackedProvider::train_final(const SearchJob& job, const space::SubnetConfig& subnet,
                                         const std::string& dir, bool resume,
                                         const SearchObserver& observer) {
  State& s = *state_;
  if (!job.final_training) throw std::logic_error("train_final: the job has no final_training");
  const FinalTrainingSettings& settings = *job.final_training;
  const space::SearchSpace space = s.net->space();
  const fs::path space_path = fs::path(dir) / "space.json";
  write_json(space_path, space::search_space_to_json(space));
  const fs::path arch_path = fs::path(dir) / kFinalSubnetArchFile;
  space::save_subnet_arch(space, subnet, arch_path.string(), "final");
  nlohmann::json doc = training_document(job, space_path.string(), dir);
  nlohmann::json phase = {{"name", "final"},
                          {"epochs", settings.epochs},
                          {"learning_rate", settings.learning_rate},
                          {"warmup_epochs", settings.warmup_epochs},
                          {"subnets_per_step", 1},
                          {"subnet", arch_path.string()}};
  // The supernet's own distillation weight is for its sampled subnets; this one is the final
  // network's under the supernet's largest subnet.
  doc["distillation_weight"] = settings.distillation_weight;
  if (settings.distillation_weight > 0.0) {
    phase["distillation"] = true;
    doc["teacher"] = s.checkpoint;
  }
  doc["phases"] = nlohmann::json::array({phase});
  if (settings.validation_size > 0) {
    // The same seeded order as the search's split: its first images stay held out.
    doc["dataset"]["validation_size"] = settings.validation_size;
    doc["dataset"]["validation_seed"] = job.dataset_config.validation_seed.value_or(job.seed);
  }
  if (settings.start == FinalTrainingStart::kSupernet) doc["init_from"] = s.checkpoint;
  write_json(fs::path(dir) / kTrainJobFile, doc);
  const supernet::TrainingJob training = supernet::parse_training_job(doc, "");
  train_checkpoint(training, dir, resume, job.supernet.nproc, kPhaseFinalTraining, "final training",
                   observer);
  s.net = supernet::load_supernet_checkpoint(dir);
  s.checkpoint = supernet::checkpoint_dir(dir);
  s.calibrated_buffers.clear();
  // The trained network is validated on the images it did not train on.
  if (settings.validation_size > 0)
    s.data = supernet::load_job_datasets(training.dataset, space, s.seed);
}

void SupernetBackedProvider::export_subnet(const space::SubnetConfig& subnet,
                                           const std::string& dir) {
  torch::NoGradGuard no_grad;
  State& s = *state_;
  const std::vector<torch::Tensor> saved = supernet::copy_buffers(*s.net);
  s.activate_calibrated(subnet);
  const supernet::StandaloneNetwork network = supernet::extract_subnet(*s.net, subnet);
  supernet::restore_buffers(*s.net, saved);
  supernet::save_torchscript(network, (fs::path(dir) / "subnet.pt").string());
}

}  // namespace tinynas::nas
