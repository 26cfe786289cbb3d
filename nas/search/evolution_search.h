// Stage 2: evolutionary search over kernel size, expand ratio and depth (once-for-all's
// evolution finder, Cai et al., ICLR 2020: keep the best parent_ratio of the population, refill
// it with mutated and crossed-over children) under the job's constraints:
//   memory   the engine's planner (exact) on every candidate
//   latency  the board's latency model, refit after every hardware round
//   accuracy an AccuracyEvaluator, cached by architecture encoding
// Hardware in the loop: every hardware_every generations the best unmeasured candidates are
// compiled to int8 and run on a board; a candidate is only *verified* feasible after it ran
// within all limits, and only verified candidates are ever reported (best, Pareto front).
// The whole state is checkpointed after every generation; a resumed run continues exactly
// where the interrupted one stopped and ends with the same result as an uninterrupted run.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nas/search/genome.h"
#include "nas/search/latency_tracker.h"
#include "nas/search/search_interfaces.h"
#include "nas/search/search_job.h"
#include "nas/search/subnet_cost.h"

namespace tinynas::nas {

inline constexpr const char* kSearchStateFormat = "tinynas-search-state/1";

struct BoardRecord {
  std::string board;
  std::string firmware_version;
  double latency_ms = 0.0;
  uint64_t cycles = 0;
  int64_t arena_bytes = 0;          // painted on the board
  int64_t planned_arena_bytes = 0;  // from the model header
  int64_t scratch_bytes = 0;
  int64_t stack_bytes = 0;
  int64_t model_bytes = 0;
  bool output_matches_host = false;
  double predicted_ms = -1.0;  // the model's prediction just before this run (-1: none)
  bool within_limits = false;
  std::string verdict;     // "within limits" or what was exceeded
  std::string model_file;  // relative to the result directory
  nlohmann::json profile;  // profiler::to_json of the run
  int generation = 0;
  int64_t peak_sram_bytes() const;  // max(painted, planned) arena + scratch
};

// One board run of a model, judged against the limits (the output must also equal the host
// engine's, and the painted arena must not exceed the planned one). `model_file` is relative to
// the result directory.
BoardRecord make_board_record(const profiler::ProfileResult& result, const Constraints& limits,
                              double predicted_ms, const std::string& model_file, int generation);

struct CandidateRecord {
  std::string key;  // the architecture encoding, "3,5,6,..."
  Genome genome;
  space::SubnetConfig subnet;
  SubnetCost cost;
  double accuracy = 0.0;
  double predicted_ms = -1.0;  // latest prediction (-1: no latency model yet)
  int first_generation = 0;
  std::optional<BoardRecord> measured;
  bool verified() const { return measured && measured->within_limits; }
};

struct GenerationSummary {
  int generation = 0;
  int generations = 0;
  double best_accuracy = 0.0;           // best candidate of the population (predicted feasible)
  std::optional<double> best_verified;  // best accuracy verified on a board so far
  int population_feasible = 0;          // predicted feasible members
  int verified = 0;                     // candidates verified on a board so far
  int measured = 0;                     // candidates run on a board so far
  int evaluations = 0;                  // distinct architectures evaluated so far
  std::optional<double> latency_error;  // this round's mean relative prediction error
  nlohmann::json to_json() const;
};

struct SearchObserver {
  std::function<void(const std::string& phase, int64_t done, int64_t total)> progress;
  std::function<void(const GenerationSummary&)> generation;
  std::function<void(const std::string&)> message;
};

struct EvolutionOptions {
  std::string state_dir;           // checkpoint (search-state.json) and measured models go here
  bool resume = false;             // continue from state_dir's checkpoint
  int stop_after_generation = -1;  // >= 0: return after checkpointing this generation (tests)
};

struct EvolutionOutcome {
  std::map<std::string, CandidateRecord> records;  // every distinct architecture evaluated
  std::optional<std::string> best;                 // key of the best verified candidate
  std::vector<std::string> front;  // verified, non-dominated in (accuracy, latency, SRAM)
  std::vector<GenerationSummary> history;
  LatencyTracker latency;
  bool finished = false;  // false: stopped by stop_after_generation
};

class EvolutionSearch {
 public:
  EvolutionSearch(space::SearchSpace space, Constraints constraints, EvolutionSettings settings,
                  uint64_t seed, AccuracyEvaluator& accuracy, SubnetCompiler& compiler,
                  BoardMeasurer& board, const profiler::BoardSpec& board_spec,
                  EvolutionOptions options, SearchObserver observer = {});
  EvolutionOutcome run();

 private:
  CandidateRecord* consider(const Genome& genome, int generation);
  bool predicted_feasible(const CandidateRecord& record) const;
  void update_predictions();
  const std::vector<latency::OpFeatures>& features(const CandidateRecord& record);
  void calibrate();
  void initial_population();
  void next_generation(int generation);
  // Measures the best unmeasured predicted-feasible candidates among `keys`; returns how many.
  int hardware_round(const std::vector<std::string>& keys, int count, int generation);
  void measure(CandidateRecord& record, int generation);
  std::vector<std::string> ranked_population() const;
  GenerationSummary summarize(int generation) const;
  void save_state(int generation) const;
  int load_state();
  nlohmann::json fingerprint() const;
  void report_progress(const std::string& phase, int64_t done, int64_t total) const;
  void say(const std::string& text) const;

  space::SearchSpace space_;
  Constraints constraints_;
  EvolutionSettings settings_;
  uint64_t seed_;
  AccuracyEvaluator& accuracy_;
  SubnetCompiler& compiler_;
  BoardMeasurer& board_;
  profiler::BoardSpec board_spec_;
  EvolutionOptions options_;
  SearchObserver observer_;

  std::mt19937_64 rng_;
  std::vector<Genome> population_;
  std::map<std::string, CandidateRecord> records_;
  // Caches of pure functions of the architecture (not saved: recomputed after a resume).
  std::map<std::string, std::vector<latency::OpFeatures>> features_;
  std::map<std::string, SubnetCost> costs_;
  LatencyTracker latency_;
  std::vector<GenerationSummary> history_;
  int models_written_ = 0;
};

// Keys of the verified records not dominated in (accuracy up, measured latency down, peak SRAM
// down); sorted by accuracy, best first.
std::vector<std::string> pareto_front(const std::map<std::string, CandidateRecord>& records);

nlohmann::json to_json(const BoardRecord& record);
nlohmann::json to_json(const CandidateRecord& record);
CandidateRecord candidate_from_json(const nlohmann::json& json);

}  // namespace tinynas::nas
