// EvolutionSearch's checkpoint: everything a resumed run needs to continue exactly where the
// interrupted one stopped (random engine, population, records, latency measurements, history),
// guarded by a fingerprint of the job so that a checkpoint of another job is never resumed.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "config/json_file.h"
#include "nas/search/evolution_search.h"
#include "nas/search/space_optimizer.h"  // to_json(Constraints)
#include "search_results/result_layout.h"

namespace tinynas::nas {
namespace {

namespace fs = std::filesystem;

constexpr int kStateIndent = 1;

void write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(temporary.string() + ": cannot open for writing");
    out << text;
    if (!out.flush()) throw std::runtime_error(temporary.string() + ": write failed");
  }
  fs::rename(temporary, path);
}

nlohmann::json to_json(const EvolutionSettings& s) {
  return {{"objective", evolution_objective_name(s.objective)},
          {"population", s.population},
          {"generations", s.generations},
          {"parent_ratio", s.parent_ratio},
          {"mutation_ratio", s.mutation_ratio},
          {"mutation_probability", s.mutation_probability},
          {"max_tries", s.max_tries},
          {"hardware_every", s.hardware_every},
          {"hardware_top_k", s.hardware_top_k},
          {"calibration_samples", s.calibration_samples},
          {"measure_runs", s.measure_runs}};
}

}  // namespace

bool EvolutionSearch::has_saved_state() const {
  return fs::exists(search_results::StateLayout(options_.state_dir).checkpoint_file());
}

nlohmann::json EvolutionSearch::fingerprint() const {
  return {{"space", space::search_space_to_json(space_)},
          {"constraints", to_json(constraints_)},
          {"evolution", to_json(settings_)},
          {"seed", seed_},
          {"board", board_spec_.kind}};
}

void EvolutionSearch::save_state(int generation) const {
  std::ostringstream rng;
  rng << rng_;
  nlohmann::json population = nlohmann::json::array();
  for (const Genome& g : population_) population.push_back(to_json(g));
  nlohmann::json records = nlohmann::json::array();
  for (const auto& [key, r] : records_) records.push_back(to_json(r));
  nlohmann::json history = nlohmann::json::array();
  for (const GenerationSummary& h : history_) history.push_back(h.to_json());
  const nlohmann::json state = {{"format", kSearchStateFormat},     {"fingerprint", fingerprint()},
                                {"generation", generation},         {"rng", rng.str()},
                                {"population", population},         {"records", records},
                                {"latency", latency_.to_json()},    {"history", history},
                                {"models_written", models_written_}};
  const search_results::StateLayout layout(options_.state_dir);
  fs::create_directories(layout.dir());
  write_text_atomically(layout.checkpoint_file(), state.dump(kStateIndent));
}

int EvolutionSearch::load_state() {
  const std::string path =
      search_results::StateLayout(options_.state_dir).checkpoint_file().string();
  const nlohmann::json state = config::read_json_file(path);
  if (state.value("format", "") != kSearchStateFormat) {
    throw std::runtime_error(path + ": format: expected \"" + kSearchStateFormat + "\"");
  }
  const nlohmann::json expected = fingerprint();
  const nlohmann::json& found = state.at("fingerprint");
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    if (!found.contains(it.key()) || found.at(it.key()) != it.value()) {
      throw std::runtime_error(
          path + ": written by a different job (" + it.key() + " differs: checkpoint has " +
          (found.contains(it.key()) ? found.at(it.key()).dump() : "none") + ", job has " +
          it.value().dump() + "); use a new output_dir or run without --resume");
    }
  }
  std::istringstream rng(state.at("rng").get<std::string>());
  rng >> rng_;
  population_.clear();
  for (const nlohmann::json& g : state.at("population")) population_.push_back(genome_from_json(g));
  records_.clear();
  for (const nlohmann::json& r : state.at("records")) {
    CandidateRecord record = candidate_from_json(r);
    records_.emplace(record.key, std::move(record));
  }
  latency_.restore(state.at("latency"));
  if (latency_.measurements() > 0) latency_.refit();
  update_predictions();
  history_.clear();
  for (const nlohmann::json& h : state.at("history")) {
    history_.push_back(generation_summary_from_json(h));
  }
  models_written_ = state.at("models_written").get<int>();
  return state.at("generation").get<int>();
}

}  // namespace tinynas::nas
