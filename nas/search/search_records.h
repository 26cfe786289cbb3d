// What the search records about every architecture it evaluated (its cost, accuracy and, once
// run on a board, the board's figures judged against the limits), the summary of each
// generation, the Pareto front of the verified candidates, and their JSON (search state,
// pareto.json, best/summary.json).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nas/search/genome.h"
#include "nas/search/search_job.h"
#include "nas/search/subnet_cost.h"
#include "profiler/profile.h"
#include "space/subnet_config.h"

namespace tinynas::nas {

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
  std::string model_file;  // relative to the state directory (search_results::StateLayout)
  nlohmann::json profile;  // profiler::to_json of the run
  int generation = 0;
  int64_t peak_sram_bytes() const;  // max(painted, planned) arena + scratch
};

// One board run of a model, judged against the limits (the output must also equal the host
// engine's, and the painted arena must not exceed the planned one). `model_file` is where the
// model is kept, relative to the state directory.
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
  double best_accuracy = 0.0;           // accuracy of the population's best (objective) candidate
  std::optional<double> best_verified;  // accuracy of the best verified candidate so far
  int population_feasible = 0;          // predicted feasible members
  int verified = 0;                     // candidates verified on a board so far
  int measured = 0;                     // candidates run on a board so far
  int evaluations = 0;                  // distinct architectures evaluated so far
  std::optional<double> latency_error;  // this round's mean relative prediction error
  nlohmann::json to_json() const;
};

// Keys of the verified records not dominated in (accuracy up, measured latency down, peak SRAM
// down); sorted by accuracy, best first.
std::vector<std::string> pareto_front(const std::map<std::string, CandidateRecord>& records);

nlohmann::json to_json(const BoardRecord& record);
nlohmann::json to_json(const CandidateRecord& record);
CandidateRecord candidate_from_json(const nlohmann::json& json);

BoardRecord board_record_from_json(const nlohmann::json& json);
GenerationSummary generation_summary_from_json(const nlohmann::json& json);

}  // namespace tinynas::nas
