// `tinynas search JOB.json [--resume]`: the whole TinyNAS loop (stage-1 space choice, supernet,
// evolution with hardware in the loop) and its result directory. Thin: parse, call nas/, print.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "apps/commands.h"
#include "nas/search/board_measurers.h"
#include "nas/search/progress_bar.h"
#include "nas/search/search_job.h"
#include "nas/search/search_pipeline.h"
#include "nas/supernet_backend/supernet_provider.h"
#include "search_results/result_layout.h"

namespace tinynas::apps {
namespace {

constexpr double kPercent = 100.0;
constexpr double kKiB = 1024.0;
constexpr double kSecondsPerMinute = 60.0;

struct SearchOptions {
  std::string job_path;
  bool resume = false;
  std::string output_dir;
  int stop_after_generation = -1;
  int nproc = 0;  // 0: the job's supernet.nproc
};

std::string percent(std::optional<double> v) {
  return v ? fmt::format("{:.2f}%", *v * kPercent) : std::string("-");
}

void run_search_command(const SearchOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  nas::SearchJob job = nas::load_search_job(options.job_path);
  if (!options.output_dir.empty()) job.output_dir = options.output_dir;
  if (options.nproc > 0) job.supernet.nproc = options.nproc;
  nas::SupernetBackedProvider::validate(job);
  nas::ProgressBars bars;
  std::unique_ptr<nas::BoardMeasurer> board =
      nas::make_board_measurer(job, [&bars](const std::string& warning) {
        bars.interrupt();
        fmt::print(stderr, "warning: {}\n", warning);
        std::fflush(stderr);
      });
  nas::SearchObserver observer;
  observer.progress = [&bars](const std::string& phase, int64_t done, int64_t total) {
    bars.update(phase, done, total);
  };
  observer.message = [&bars](const std::string& text) {
    bars.interrupt();
    fmt::print("{}\n", text);
    std::fflush(stdout);
  };
  observer.generation = [&bars, &job](const nas::GenerationSummary& g) {
    bars.interrupt();
    fmt::print(
        "gen {:>4}/{}  best {:.2f}%  verified best {}  feasible {}/{}  on board {} ({} verified)  "
        "latency model error {}\n",
        g.generation, g.generations, g.best_accuracy * kPercent, percent(g.best_verified),
        g.population_feasible, job.evolution.population, g.measured, g.verified,
        percent(g.latency_error));
    std::fflush(stdout);
  };
  fmt::print("search {}: board {} via {}, results in {}\n", job.name, job.board.kind,
             board->description(), job.output_dir);
  nas::SupernetBackedProvider supernet;
  nas::PipelineOptions pipeline;
  pipeline.resume = options.resume;
  pipeline.stop_after_generation = options.stop_after_generation;
  const nas::PipelineResult result = nas::run_search(job, supernet, *board, pipeline, observer);
  bars.interrupt();
  const double minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
      kSecondsPerMinute;
  if (!result.outcome.finished) {
    fmt::print("stopped after generation {}; continue with --resume ({:.1f} min)\n",
               options.stop_after_generation, minutes);
    return;
  }
  if (!result.outcome.best) {
    fmt::print("no candidate ran on {} within the limits: nothing reported ({:.1f} min)\n",
               job.board.kind, minutes);
    return;
  }
  const search_results::ResultLayout layout(result.output_dir);
  const nas::CandidateRecord& best = result.outcome.records.at(*result.outcome.best);
  const std::optional<nas::FinalModel>& final_model = result.final_model;
  const nas::BoardRecord& m = final_model ? final_model->measured : *best.measured;
  const double accuracy = final_model ? final_model->accuracy : best.accuracy;
  if (final_model) {
    fmt::print(
        "final training ({} epoch(s) from {}): validation {:.2f}%, supernet weights {:.2f}%\n",
        final_model->settings.epochs,
        final_model->settings.start == nas::FinalTrainingStart::kScratch ? "scratch"
                                                                         : "the supernet's weights",
        final_model->accuracy * kPercent, final_model->search_accuracy * kPercent);
  }
  fmt::print(
      "best: {}\n  accuracy {:.2f}% | {:.2f} ms, peak SRAM {:.1f} KiB ({}), flash {:.1f} KiB, "
      "{:.2f}M MACs | measured on {} ({})\n  {}/  report: {}  ({:.1f} min)\n",
      space::describe_subnet(best.subnet), accuracy * kPercent, m.latency_ms,
      m.peak_sram_bytes() / kKiB, nas::schedule_description(best.cost), m.model_bytes / kKiB,
      best.cost.macs / 1e6, m.board, m.firmware_version, layout.best_dir().string(),
      layout.report_file().string(), minutes);
}

}  // namespace

void register_search_command(CLI::App& app) {
  auto options = std::make_shared<SearchOptions>();
  CLI::App* command = app.add_subcommand(
      "search", "Find the most accurate network that provably fits a board (TinyNAS loop)");
  command->add_option("job", options->job_path, "search job file (configs/jobs/*.json)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_flag("--resume", options->resume, "continue the search in the job's output_dir");
  command->add_option("--output-dir", options->output_dir, "override the job's output_dir");
  command->add_option("--stop-after-generation", options->stop_after_generation,
                      "stop (resumably) after this generation");
  command
      ->add_option("--nproc", options->nproc,
                   "train the supernet (and the final network) with this many data-parallel "
                   "processes on this machine (overrides the job's supernet.nproc)")
      ->check(CLI::Range(1, 1024));
  command->callback([options] { run_search_command(*options); });
}

}  // namespace tinynas::apps
