#include "nas/search/search_pipeline.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "config/json_file.h"
#include "datasets/dataset_source.h"
#include "engine/compiler/model_writer.h"
#include "nas/search/search_report.h"
#include "search_results/result_layout.h"

namespace tinynas::nas {
namespace {

namespace fs = std::filesystem;

constexpr int kJsonIndent = 2;
constexpr const char* kPhaseStage1 = "stage 1";
constexpr const char* kFinalModelStem = "final";
constexpr double kPercent = 100.0;

void write_json(const fs::path& path, const nlohmann::json& json) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  if (!out) throw std::runtime_error(path.string() + ": cannot open for writing");
  out << json.dump(kJsonIndent) << "\n";
  if (!out.flush()) throw std::runtime_error(path.string() + ": write failed");
}

nlohmann::json candidate_summary(const CandidateRecord& r) {
  nlohmann::json out = to_json(r);
  out.erase("genome");
  return out;
}

// Trains the best network alone, then compiles and runs its int8 model on the board like every
// candidate. Empty (the supernet's weights ship) when that run is not within the limits: the
// architecture passed, so this would mean the trained weights broke something on the board.
std::optional<FinalModel> train_final_model(const SearchJob& job, const CandidateRecord& best,
                                            SupernetProvider& supernet, BoardMeasurer& board,
                                            const search_results::ResultLayout& layout, bool resume,
                                            const SearchObserver& observer) {
  const auto say = [&observer](const std::string& text) {
    if (observer.message) observer.message(text);
  };
  FinalModel model;
  model.settings = *job.final_training;
  model.search_accuracy = best.accuracy;
  say(std::string("final training: ") + space::describe_subnet(best.subnet) + ", " +
      std::to_string(model.settings.epochs) + " epoch(s) from " +
      (model.settings.start == FinalTrainingStart::kScratch ? "scratch"
                                                            : "the supernet's weights"));
  supernet.train_final(job, best.subnet, layout.final_dir().string(), resume, observer);
  model.accuracy = supernet.accuracy().accuracy(best.subnet);
  const std::vector<uint8_t> bytes =
      supernet.compiler().compile(best.subnet, planner_options(best.cost));
  const profiler::ProfileResult run =
      board.measure(bytes, space::describe_subnet(best.subnet) + " final");
  board.idle();
  const std::string model_file = search_results::StateLayout::model_file_name(kFinalModelStem);
  compiler::write_model_file(layout.state().model_path(model_file).string(), bytes);
  const int generation = best.measured ? best.measured->generation : 0;
  model.measured =
      make_board_record(run, job.constraints, best.predicted_ms, model_file, generation);
  char line[160];
  std::snprintf(
      line, sizeof(line),
      "final training: validation %.2f%% (supernet weights %.2f%%); on the board %.3f ms, %s",
      model.accuracy * kPercent, model.search_accuracy * kPercent, model.measured.latency_ms,
      model.measured.verdict.c_str());
  say(line);
  if (!model.measured.within_limits) {
    say("final training: the trained model is not within the limits on the board; best/ ships "
        "the supernet's weights");
    return std::nullopt;
  }
  return model;
}

// The job's space with the dataset's input channels and class count (the supernet's first conv
// takes the dataset's channels, its classifier has one output per class), and the dataset's
// description and class names. Synthetic data is made for the space.
void adapt_space_to_dataset(const SearchJob& job, PipelineResult& result) {
  result.space = job.space;
  if (job.dataset_config.kind == datasets::kSyntheticKind) {
    result.dataset_description = "synthetic";
    for (int c = 0; c < job.space.num_classes; ++c) {
      result.class_names.push_back(std::to_string(c));
    }
    return;
  }
  const auto dataset = datasets::load_dataset(job.dataset_config);
  result.space.input_channels = dataset->channels();
  result.space.num_classes = dataset->num_classes();
  result.dataset_description = dataset->description;
  result.class_names = dataset->class_names;
  result.skipped_files = dataset->skipped.size();
}

}  // namespace

PipelineResult run_search(const SearchJob& job, SupernetProvider& supernet, BoardMeasurer& board,
                          const PipelineOptions& options, const SearchObserver& observer) {
  const search_results::ResultLayout layout(job.output_dir);
  const fs::path state_dir = layout.state().dir();
  if (!options.resume && fs::exists(state_dir)) {
    throw std::runtime_error(layout.root().string() +
                             " already holds a search: continue it with --resume, or choose "
                             "another output_dir");
  }
  fs::create_directories(layout.root());
  write_json(layout.job_file(), job.document);

  PipelineResult result;
  result.output_dir = layout.root().string();
  adapt_space_to_dataset(job, result);
  const space::SearchSpace family = result.space;
  if (job.stage1.enabled) {
    const fs::path cdf = layout.stage1_cdf_file();
    if (options.resume && fs::exists(cdf)) {
      result.stage1 = stage1_result_from_json(config::read_json_file(cdf.string()), family);
    } else {
      result.stage1 = optimize_space(family, job.stage1, job.constraints, job.seed,
                                     [&observer](int64_t done, int64_t total) {
                                       if (observer.progress)
                                         observer.progress(kPhaseStage1, done, total);
                                     });
      write_json(cdf, to_json(*result.stage1, job.constraints));
    }
    result.space = result.stage1->chosen_space;
    write_json(layout.stage1_space_file(), space::search_space_to_json(result.space));
    if (observer.message) {
      const GridPointResult& p = result.stage1->points[result.stage1->chosen];
      observer.message("stage 1: chose " + p.space_name + " (" + std::to_string(p.satisfying) +
                       "/" + std::to_string(p.samples) + " samples fit, mean " +
                       std::to_string(static_cast<int64_t>(p.mean_macs)) + " MACs)");
    }
  }

  supernet.prepare(job, result.space, layout.supernet_dir().string(), options.resume, observer);

  if (job.evolution.objective == EvolutionObjective::kMacs && observer.message) {
    observer.message(
        "evolution: ranks candidates by MACs within the limits (the supernet's "
        "accuracy breaks ties)");
  }
  EvolutionOptions evolution_options;
  evolution_options.state_dir = state_dir.string();
  evolution_options.resume = options.resume;
  evolution_options.stop_after_generation = options.stop_after_generation;
  EvolutionSearch search(result.space, job.constraints, job.evolution, job.seed,
                         supernet.accuracy(), supernet.compiler(), board, job.board,
                         evolution_options, observer);
  result.outcome = search.run();
  if (!result.outcome.finished) return result;
  if (job.final_training && result.outcome.best) {
    result.final_model = train_final_model(job, result.outcome.records.at(*result.outcome.best),
                                           supernet, board, layout, options.resume, observer);
  }
  write_search_results(job, result, supernet);
  return result;
}

void write_search_results(const SearchJob& job, const PipelineResult& result,
                          SupernetProvider& supernet) {
  const search_results::ResultLayout layout(result.output_dir);
  const EvolutionOutcome& o = result.outcome;
  {
    std::ofstream history(layout.history_file(), std::ios::trunc);
    for (const GenerationSummary& s : o.history) history << s.to_json().dump() << "\n";
    if (!history.flush())
      throw std::runtime_error(layout.history_file().string() + ": write failed");
  }
  nlohmann::json front = nlohmann::json::array();
  for (const std::string& key : o.front) front.push_back(candidate_summary(o.records.at(key)));
  write_json(layout.pareto_file(),
             {{"board", job.board.kind},
              {"firmware_version", o.latency.firmware_version()},
              {"constraints", to_json(job.constraints)},
              {"space", result.space.name},
              {"objectives", {"accuracy (max)", "measured latency ms (min)", "peak SRAM (min)"}},
              {"front", front}});
  const fs::path best_dir = layout.best_dir();
  fs::remove_all(best_dir);
  if (o.best) {
    const CandidateRecord& best = o.records.at(*o.best);
    fs::create_directories(best_dir);
    space::save_subnet_arch(result.space, best.subnet, layout.best_arch_file().string(),
                            job.name + "-best");
    const BoardRecord& shipped = result.final_model ? result.final_model->measured : *best.measured;
    fs::copy_file(layout.state().model_path(shipped.model_file), layout.best_model_file(),
                  fs::copy_options::overwrite_existing);
    write_json(layout.best_profile_file(), shipped.profile);
    nlohmann::json summary = candidate_summary(best);
    summary["class_names"] = result.class_names;
    summary["dataset"] = {{"description", result.dataset_description},
                          {"skipped_files", result.skipped_files}};
    if (result.final_model) {
      const FinalModel& f = *result.final_model;
      summary["accuracy"] = f.accuracy;
      summary["search_accuracy"] = f.search_accuracy;
      summary["measured"] = to_json(f.measured);
      summary["final_training"] = {
          {"from", final_training_start_name(f.settings.start)},
          {"epochs", f.settings.epochs},
          {"learning_rate", f.settings.learning_rate},
          {"warmup_epochs", f.settings.warmup_epochs},
          {"distillation_weight", f.settings.distillation_weight},
          {"validation_size", f.settings.validation_size},
          {"checkpoint", search_results::ResultLayout().final_dir().string()}};
    }
    write_json(layout.best_summary_file(), summary);
    supernet.export_subnet(best.subnet, best_dir.string());
  }
  write_search_report(layout.report_file().string(), job, result);
}

}  // namespace tinynas::nas
