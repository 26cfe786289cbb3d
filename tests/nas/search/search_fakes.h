// Test doubles of the search's outside world: a tiny space, a deterministic accuracy, a
// simulated board whose latency law the latency model can learn (plus, optionally, a hidden
// penalty it cannot predict, so that some candidates run over the limit on the board).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/json_file.h"
#include "engine/compiler/model_file.h"
#include "latency/op_features.h"
#include "nas/search/latency_tracker.h"
#include "nas/search/search_interfaces.h"
#include "nas/search/search_pipeline.h"
#include "nas/search/subnet_cost.h"
#include "space/search_space.h"

namespace tinynas::nas::testing {

// True when the model runs some blocks fused or a patch stage first.
inline bool runs_other_than_op_by_op(const runtime::ModelView& model) {
  if (model.patch_grid() > 0) return true;
  for (uint16_t i = 0; i < model.op_count(); ++i) {
    if (model.op(i).fused_rows() || model.op(i).streamed()) return true;
  }
  return false;
}

inline space::SearchSpace tiny_space() {
  space::SearchSpace s;
  s.name = "tiny";
  s.resolution = 16;
  s.input_channels = 1;
  s.num_classes = 4;
  s.width_multiplier = 1.0;
  s.first_conv_base_channels = 8;
  s.first_conv_kernel_size = 3;
  s.first_conv_stride = 2;
  s.stages = {{8, 1}, {16, 2}};
  s.feature_mix_base_channels = 0;
  s.kernel_sizes = {3, 5};
  s.expand_ratios = {2, 3};
  s.depths = {1, 2};
  return s;
}

// Accuracy grows with MACs (with a deterministic per-architecture wobble), like a supernet's.
class FakeAccuracy : public AccuracyEvaluator {
 public:
  // `bonus`: added to every accuracy (a network's own training after the search).
  explicit FakeAccuracy(space::SearchSpace space, double bonus = 0.0)
      : space_(std::move(space)), bonus_(bonus) {}
  double accuracy(const space::SubnetConfig& subnet) override {
    ++calls;
    const SubnetCost cost = subnet_cost(space_, subnet);
    uint64_t h = 1469598103934665603ull;
    for (int v : space::encode_subnet(space_, subnet))
      h = (h ^ static_cast<uint64_t>(v)) * 1099511628211ull;
    const double wobble = static_cast<double>(h % 1000) / 1000.0 * 0.02;
    return 0.5 + 0.4 * static_cast<double>(cost.macs) / (static_cast<double>(cost.macs) + 2e5) +
           wobble + bonus_;
  }
  std::string description() const override { return "fake accuracy"; }
  int calls = 0;

 private:
  space::SearchSpace space_;
  double bonus_ = 0.0;
};

// Cycles = 3 per MAC + 200 per op + 1000 (a law the latency model can learn), optionally slowed
// down per model by `slowdown` (a fraction the op features cannot reveal).
class FakeBoard : public BoardMeasurer {
 public:
  explicit FakeBoard(uint32_t clock_hz = 1000000) : clock_hz_(clock_hz) {}
  std::function<double(const std::vector<uint8_t>&)> slowdown;
  profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                  const std::string& name) override {
    ++calls;
    running = true;
    const compiler::LoadedModel loaded(model, name);
    const auto ops = model_op_features(model, name);
    profiler::ProfileResult r;
    r.board = "fake-board";
    r.firmware_version = "fake-firmware 1";
    r.clock_hz = clock_hz_;
    r.model_bytes = static_cast<uint32_t>(model.size());
    r.op_count = static_cast<uint16_t>(ops.size());
    uint64_t total = 1000;
    for (const auto& op : ops) {
      double c = 3.0 * op.values[latency::kMacs] + 200.0;
      if (slowdown) c *= 1.0 + slowdown(model);
      r.per_op_cycles.push_back(static_cast<uint32_t>(c));
      total += static_cast<uint32_t>(c);
    }
    r.cycles = total;
    r.total_cycles = total;
    r.planned_arena_bytes = loaded.view().arena_size();
    r.arena_bytes = loaded.view().arena_size();
    r.scratch_bytes = loaded.view().scratch_size();
    r.output_matches_host = true;
    r.host_compared = true;
    return r;
  }
  std::string description() const override { return "fake board"; }
  void idle() override { running = false; }
  int calls = 0;
  bool running = false;  // measured since the last idle()

 private:
  uint32_t clock_hz_;
};

class FakeSupernet : public SupernetProvider {
 public:
  void prepare(const SearchJob&, const space::SearchSpace& space, const std::string&, bool,
               const SearchObserver&) override {
    space_ = space;
    accuracy_ = std::make_unique<FakeAccuracy>(space);
    compiler_ = std::make_unique<RandomWeightsCompiler>(space, 7);
  }
  AccuracyEvaluator& accuracy() override { return *accuracy_; }
  SubnetCompiler& compiler() override { return *compiler_; }
  void export_subnet(const space::SubnetConfig&, const std::string&) override {}
  // The final training adds kFinalTrainingBonus to every accuracy and changes the weights (other
  // random ones); `on_train_final` runs after it.
  void train_final(const SearchJob&, const space::SubnetConfig& subnet, const std::string&, bool,
                   const SearchObserver&) override {
    ++final_trainings;
    trained_subnet = subnet;
    accuracy_ = std::make_unique<FakeAccuracy>(space_, kFinalTrainingBonus);
    compiler_ = std::make_unique<RandomWeightsCompiler>(space_, 8);
    if (on_train_final) on_train_final();
  }
  static constexpr double kFinalTrainingBonus = 0.05;
  int final_trainings = 0;
  space::SubnetConfig trained_subnet;
  std::function<void()> on_train_final;

 private:
  space::SearchSpace space_;
  std::unique_ptr<FakeAccuracy> accuracy_;
  std::unique_ptr<RandomWeightsCompiler> compiler_;
};

// A fresh directory under the system temp dir, removed at the end of the test unless
// $TINYNAS_KEEP_TEST_OUTPUT is set (to look at a report.html by hand).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("tinynas-search-test-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    if (std::getenv("TINYNAS_KEEP_TEST_OUTPUT") == nullptr) std::filesystem::remove_all(path_);
  }
  std::string path() const { return path_.string(); }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace tinynas::nas::testing
