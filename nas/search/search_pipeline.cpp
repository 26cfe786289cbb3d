#include "nas/search/search_pipeline.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "engine/compiler/json_reader.h"
#include "nas/search/search_report.h"

namespace tinynas::nas {
namespace {

namespace fs = std::filesystem;

constexpr int kJsonIndent = 2;
constexpr const char* kStateDir = "state";
constexpr const char* kStage1Dir = "stage1";
constexpr const char* kPhaseStage1 = "stage 1";

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

}  // namespace

PipelineResult run_search(const SearchJob& job, SupernetProvider& supernet, BoardMeasurer& board,
                          const PipelineOptions& options, const SearchObserver& observer) {
  const fs::path out(job.output_dir);
  const fs::path state_dir = out / kStateDir;
  if (!options.resume && fs::exists(state_dir)) {
    throw std::runtime_error(out.string() +
                             " already holds a search: continue it with --resume, or choose "
                             "another output_dir");
  }
  fs::create_directories(out);
  write_json(out / "job.json", job.document);

  PipelineResult result;
  result.output_dir = out.string();
  result.space = job.space;
  if (job.stage1.enabled) {
    const fs::path cdf = out / kStage1Dir / "cdf.json";
    if (options.resume && fs::exists(cdf)) {
      result.stage1 = stage1_result_from_json(compiler::read_json_file(cdf.string()), job.space);
    } else {
      result.stage1 = optimize_space(job.space, job.stage1, job.constraints, job.seed,
                                     [&observer](int64_t done, int64_t total) {
                                       if (observer.progress)
                                         observer.progress(kPhaseStage1, done, total);
                                     });
      write_json(cdf, to_json(*result.stage1, job.constraints));
    }
    result.space = result.stage1->chosen_space;
    write_json(out / kStage1Dir / "space.json", search_space_to_json(result.space));
    if (observer.message) {
      const GridPointResult& p = result.stage1->points[result.stage1->chosen];
      observer.message("stage 1: chose " + p.space_name + " (" + std::to_string(p.satisfying) +
                       "/" + std::to_string(p.samples) + " samples fit, mean " +
                       std::to_string(static_cast<int64_t>(p.mean_macs)) + " MACs)");
    }
  }

  supernet.prepare(job, result.space, (out / "supernet").string(), options.resume, observer);

  EvolutionOptions evolution_options;
  evolution_options.state_dir = state_dir.string();
  evolution_options.resume = options.resume;
  evolution_options.stop_after_generation = options.stop_after_generation;
  EvolutionSearch search(result.space, job.constraints, job.evolution, job.seed,
                         supernet.accuracy(), supernet.compiler(), board, job.board,
                         evolution_options, observer);
  result.outcome = search.run();
  if (result.outcome.finished) write_search_results(job, result, supernet);
  return result;
}

void write_search_results(const SearchJob& job, const PipelineResult& result,
                          SupernetProvider& supernet) {
  const fs::path out(result.output_dir);
  const EvolutionOutcome& o = result.outcome;
  {
    std::ofstream history(out / "history.jsonl", std::ios::trunc);
    for (const GenerationSummary& s : o.history) history << s.to_json().dump() << "\n";
    if (!history.flush())
      throw std::runtime_error((out / "history.jsonl").string() + ": write failed");
  }
  nlohmann::json front = nlohmann::json::array();
  for (const std::string& key : o.front) front.push_back(candidate_summary(o.records.at(key)));
  write_json(out / "pareto.json",
             {{"board", job.board.kind},
              {"firmware_version", o.latency.firmware_version()},
              {"constraints", to_json(job.constraints)},
              {"space", result.space.name},
              {"objectives", {"accuracy (max)", "measured latency ms (min)", "peak SRAM (min)"}},
              {"front", front}});
  const fs::path best_dir = out / "best";
  fs::remove_all(best_dir);
  if (o.best) {
    const CandidateRecord& best = o.records.at(*o.best);
    fs::create_directories(best_dir);
    save_subnet_arch(result.space, best.subnet, (best_dir / "arch.json").string(),
                     job.name + "-best");
    fs::copy_file(out / "state" / best.measured->model_file, best_dir / "model.tnm",
                  fs::copy_options::overwrite_existing);
    write_json(best_dir / "profile.json", best.measured->profile);
    write_json(best_dir / "summary.json", candidate_summary(best));
    supernet.export_subnet(best.subnet, best_dir.string());
  }
  write_search_report((out / "report.html").string(), job, result);
}

}  // namespace tinynas::nas
