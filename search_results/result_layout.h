// The result directory of `tinynas search`, every path in one place:
//   job.json                 the job as given
//   stage1/cdf.json          stage 1: the FLOPs/MACs distribution of every candidate space
//   stage1/space.json        stage 1: the chosen space
//   supernet/                the supernet checkpoint of the searched space
//   state/search-state.json  the evolution's checkpoint (resume)
//   state/models/*.tnm       every model run on the board
//   final/                   the checkpoint of the best network's final training
//   best/arch.json, model.tnm, profile.json, summary.json   the best verified network (plus the
//                            files the supernet exports for it)
//   pareto.json, history.jsonl, report.html
#pragma once

#include <filesystem>
#include <string>

namespace tinynas::search_results {

// The evolution's state directory: its checkpoint and the models it ran on the board. Model
// files are named relative to this directory (as the search records them).
class StateLayout {
 public:
  explicit StateLayout(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path checkpoint_file() const;
  std::filesystem::path models_dir() const;
  // "models/<stem>.tnm": how a model run on the board is recorded.
  static std::string model_file_name(const std::string& stem);
  // Where a model recorded as `model_file_name(...)` is.
  std::filesystem::path model_path(const std::string& model_file) const;

 private:
  std::filesystem::path dir_;
};

class ResultLayout {
 public:
  // Without a root, every path is relative to the result directory ("best/summary.json"): the
  // form that files of the result and messages to the user name each other by.
  ResultLayout() = default;
  explicit ResultLayout(std::filesystem::path root) : root_(std::move(root)) {}
  const std::filesystem::path& root() const { return root_; }

  std::filesystem::path job_file() const;
  std::filesystem::path stage1_cdf_file() const;
  std::filesystem::path stage1_space_file() const;
  std::filesystem::path supernet_dir() const;
  StateLayout state() const;
  std::filesystem::path final_dir() const;  // the final training's checkpoint

  std::filesystem::path best_dir() const;
  std::filesystem::path best_arch_file() const;
  std::filesystem::path best_model_file() const;
  std::filesystem::path best_profile_file() const;
  std::filesystem::path best_summary_file() const;

  std::filesystem::path pareto_file() const;
  std::filesystem::path history_file() const;
  std::filesystem::path report_file() const;

 private:
  std::filesystem::path root_;
};

}  // namespace tinynas::search_results
