// `tinynas train JOB.json [--resume] [--output DIR] [--nproc N]`: progressive-shrinking training
// of a once-for-all supernet, with a progress bar and a checkpoint after every epoch. Data-parallel
// with --nproc (worker processes on this machine) or under the torchrun-style environment
// (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE: one process per rank, on any machines).
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/commands.h"
#include "distributed/local_launcher.h"
#include "distributed/world_settings.h"
#include "supernet/progressive_shrinking.h"
#include "supernet/training_job.h"

namespace tinynas::apps {
namespace {

constexpr int kBarWidth = 30;
constexpr double kPercent = 100.0;
// A bar redraw at most this often: enough to look live, cheap when output is a log file.
constexpr double kTerminalRedrawSeconds = 0.2;
constexpr double kLogRedrawSeconds = 30.0;

struct TrainOptions {
  std::string job_path;
  bool resume = false;
  std::string output_dir;
  int nproc = 0;  // 0: not given
  int max_epochs = 0;
  int timeout_seconds = static_cast<int>(distributed::kDefaultTimeout.count());
};

class ProgressBar {
 public:
  ProgressBar() : interactive_(isatty(fileno(stderr)) != 0) {}

  void step(const supernet::StepProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_draw_).count();
    const bool last = p.step == p.steps_per_epoch;
    if (!last && since < (interactive_ ? kTerminalRedrawSeconds : kLogRedrawSeconds)) return;
    last_draw_ = now;
    const int filled = p.step * kBarWidth / p.steps_per_epoch;
    std::fprintf(stderr,
                 "%sepoch %d/%d %-8s [%s%s] %d/%d loss %.3f acc %.1f%% %.0f img/s lr %.4f%s",
                 interactive_ ? "\r" : "", p.epoch, p.total_epochs, p.phase.c_str(),
                 std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(kBarWidth - filled), '.').c_str(), p.step,
                 p.steps_per_epoch, p.loss, p.accuracy * kPercent, p.images_per_second,
                 p.learning_rate, interactive_ ? "" : "\n");
    std::fflush(stderr);
  }
  void end_line() {
    if (interactive_) std::fputc('\n', stderr);
  }

 private:
  bool interactive_;
  std::chrono::steady_clock::time_point last_draw_{};
};

// `--nproc N`: this command again in N worker processes, on loopback.
void launch_local_workers(const TrainOptions& options, const supernet::TrainingJob& job) {
  if (job.batch_size % options.nproc != 0) {
    throw std::invalid_argument(options.job_path + ": batch_size " +
                                std::to_string(job.batch_size) + " is not divisible by --nproc " +
                                std::to_string(options.nproc) +
                                " (each process takes an equal share of every batch)");
  }
  std::vector<std::string> arguments{"train",     options.job_path,
                                     "--timeout", std::to_string(options.timeout_seconds),
                                     "--epochs",  std::to_string(options.max_epochs)};
  if (options.resume) arguments.emplace_back("--resume");
  if (!options.output_dir.empty()) {
    arguments.emplace_back("--output");
    arguments.push_back(options.output_dir);
  }
  distributed::run_local_workers(options.nproc, arguments);
}

void run_train(const TrainOptions& options) {
  const supernet::TrainingJob job = supernet::load_training_job(options.job_path);
  const std::optional<distributed::WorldSettings> world = distributed::world_from_environment();
  if (options.nproc > 0 && world) {
    throw std::invalid_argument(
        "--nproc starts its own workers; it cannot be given to a process that is already a rank "
        "of a distributed run (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT are set)");
  }
  if (options.nproc > 1) {
    launch_local_workers(options, job);
    return;
  }
  supernet::TrainingOptions training;
  training.resume = options.resume;
  training.output_dir = options.output_dir;
  training.max_epochs = options.max_epochs;
  if (world && world->world_size > 1) {
    training.group =
        distributed::join_process_group(*world, std::chrono::seconds(options.timeout_seconds));
  }
  if (world && world->rank != 0) {
    // Rank 0 reports for every rank.
    supernet::train_supernet(job, training);
    return;
  }
  auto bar = std::make_shared<ProgressBar>();
  supernet::TrainingCallbacks callbacks;
  callbacks.on_step = [bar](const supernet::StepProgress& p) { bar->step(p); };
  callbacks.on_epoch = [bar](const supernet::EpochSummary& e) {
    bar->end_line();
    std::string validation = "no validation split";
    if (e.subnet_validation_accuracy) {
      validation = fmt::format("validation {:.2f}%", *e.subnet_validation_accuracy * kPercent);
    } else if (e.largest_validation_accuracy && e.smallest_validation_accuracy) {
      validation = fmt::format("validation largest {:.2f}% smallest {:.2f}%",
                               *e.largest_validation_accuracy * kPercent,
                               *e.smallest_validation_accuracy * kPercent);
    }
    fmt::print(stderr,
               "epoch {} ({}): train loss {:.4f} acc {:.2f}% | {} | {:.0f} s, {:.0f} img/s\n",
               e.epoch, e.phase, e.train_loss, e.train_accuracy * kPercent, validation, e.seconds,
               e.images_per_second);
  };
  callbacks.on_message = [](const std::string& text) { fmt::print(stderr, "train: {}\n", text); };
  const supernet::TrainingResult result = supernet::train_supernet(job, training, callbacks);
  fmt::print("checkpoint: {}\nwall time: {:.0f} s\n", result.checkpoint_dir, result.wall_seconds);
}

}  // namespace

void register_train_command(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* command =
      app.add_subcommand("train", "Train a once-for-all supernet with progressive shrinking");
  command->add_option("job", options->job_path, "training job file (tinynas-train/1 JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_flag("--resume", options->resume,
                    "continue from the checkpoint in the output folder");
  command->add_option("--output", options->output_dir,
                      "checkpoint folder (default: the job's output_dir)");
  command
      ->add_option("--nproc", options->nproc,
                   "data-parallel training in this many worker processes on this machine "
                   "(batch_size stays the global batch)")
      ->check(CLI::Range(1, 1024));
  command
      ->add_option("--epochs", options->max_epochs,
                   "stop after this many epochs (0: all); --resume continues")
      ->check(CLI::Range(0, 1000000));
  command
      ->add_option("--timeout", options->timeout_seconds,
                   "seconds a rank waits for the others (joining, every collective) before it "
                   "fails")
      ->check(CLI::Range(1, 86400));
  command->callback([options] { run_train(*options); });
}

}  // namespace tinynas::apps
