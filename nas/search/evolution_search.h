// Stage 2: evolutionary search over kernel size, expand ratio and depth (once-for-all's
// evolution finder, Cai et al., ICLR 2020: keep the best parent_ratio of the population, refill
// it with mutated and crossed-over children) under the job's constraints:
//   memory   the engine's planner (exact) on every candidate
//   latency  the board's latency model, refit after every hardware round
//   accuracy an AccuracyEvaluator, cached by architecture encoding; the ranking is by accuracy
//            or, with objective "macs", by MACs with accuracy breaking ties
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
#include "nas/search/search_records.h"
#include "nas/search/subnet_cost.h"

namespace tinynas::nas {

inline constexpr const char* kSearchStateFormat = "tinynas-search-state/1";

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
  // The evolution proper (evolution_search.cpp).
  CandidateRecord* consider(const Genome& genome, int generation);
  bool predicted_feasible(const CandidateRecord& record) const;
  void initial_population();
  void next_generation(int generation);
  // A hardware round when one is due, the summary, the checkpoint, the observer.
  void finish_generation(int generation);
  bool stops_after(int generation) const;  // options_.stop_after_generation says so
  std::vector<std::string> ranked_population() const;
  // Before in the job's objective (settings_.objective), ties broken by accuracy, then by key.
  bool ranks_before(const std::string& a, const std::string& b) const;
  void sort_by_objective(std::vector<std::string>& keys) const;  // best first
  std::optional<std::string> best_verified() const;
  GenerationSummary summarize(int generation) const;
  EvolutionOutcome outcome(bool finished) const;  // records, history and latency so far
  void report_progress(const std::string& phase, int64_t done, int64_t total) const;
  void say(const std::string& text) const;

  // Hardware in the loop (hardware_rounds.cpp).
  void calibrate();
  // Measures the best unmeasured predicted-feasible candidates among `keys`; returns how many.
  int hardware_round(const std::vector<std::string>& keys, int count, int generation);
  // After the last generation, while nothing is verified: rounds over all candidates.
  void verify_until_one_passes();
  // Writes the measured model into the state folder and records its figures.
  void record_measurement(CandidateRecord& record, const ModelToMeasure& model,
                          const profiler::ProfileResult& result, int generation);
  void update_predictions();
  const std::vector<latency::OpFeatures>& features(const CandidateRecord& record);

  // Checkpoint and resume (search_state.cpp).
  bool has_saved_state() const;
  void save_state(int generation) const;
  int load_state();  // returns the generation the checkpoint was written after
  nlohmann::json fingerprint() const;

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

}  // namespace tinynas::nas
