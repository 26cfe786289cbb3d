// `tinynas search JOB.json`: stage 1 (choose the space), the supernet of that space (trained or
// loaded by a SupernetProvider), stage 2 (evolution with hardware in the loop), then the result
// directory: best/, pareto.json, history.jsonl, report.html.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "nas/search/evolution_search.h"
#include "nas/search/search_interfaces.h"
#include "nas/search/search_job.h"
#include "nas/search/space_optimizer.h"

namespace tinynas::nas {

// Where accuracy and the int8 models of the chosen space come from.
class SupernetProvider {
 public:
  virtual ~SupernetProvider() = default;
  // Trains (or loads) the supernet of `space`; `dir` is the place for its files. With `resume`,
  // an interrupted training continues.
  virtual void prepare(const SearchJob& job, const space::SearchSpace& space,
                       const std::string& dir, bool resume, const SearchObserver& observer) = 0;
  virtual AccuracyEvaluator& accuracy() = 0;
  virtual SubnetCompiler& compiler() = 0;
  // Writes the subnet's own weights (e.g. a TorchScript file) into `dir`; may do nothing.
  virtual void export_subnet(const space::SubnetConfig& subnet, const std::string& dir) = 0;
  // Trains `subnet` alone as job.final_training says, with its files in `dir`; from then on
  // accuracy(), compiler() and export_subnet() use the trained weights. With `resume`, an
  // interrupted training continues; a finished one is loaded.
  virtual void train_final(const SearchJob& job, const space::SubnetConfig& subnet,
                           const std::string& dir, bool resume, const SearchObserver& observer) = 0;
};

// The best network after its final training: what best/ ships.
struct FinalModel {
  FinalTrainingSettings settings;
  double search_accuracy = 0.0;  // the supernet's weights (validation split)
  double accuracy = 0.0;         // the trained weights (validation split)
  BoardRecord measured;          // the trained int8 model on the job's board
};

struct PipelineOptions {
  bool resume = false;
  int stop_after_generation = -1;  // tests: interrupt after this generation
};

struct PipelineResult {
  std::string output_dir;
  std::optional<Stage1Result> stage1;
  space::SearchSpace space;  // the searched space
  // The job's dataset: what it is (for the report) and its classes, in label order.
  std::string dataset_description;
  std::vector<std::string> class_names;
  std::size_t skipped_files = 0;  // unreadable images skipped ("skip_unreadable")
  EvolutionOutcome outcome;
  // Set when the job has "final_training" and its model ran on the board within the limits.
  std::optional<FinalModel> final_model;
};

// Throws std::runtime_error when output_dir already holds a search and `resume` is false.
PipelineResult run_search(const SearchJob& job, SupernetProvider& supernet, BoardMeasurer& board,
                          const PipelineOptions& options, const SearchObserver& observer = {});

// The result files (called by run_search when the evolution finished).
void write_search_results(const SearchJob& job, const PipelineResult& result,
                          SupernetProvider& supernet);

}  // namespace tinynas::nas
