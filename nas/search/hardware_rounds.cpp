// EvolutionSearch's hardware in the loop: the calibration round that fits the first latency
// model, the rounds that run the best unmeasured candidates on the board and refit the model on
// everything measured so far, and the predictions the refit model makes for every record.
#include <filesystem>
#include <random>
#include <stdexcept>

#include "engine/compiler/model_writer.h"
#include "nas/search/evolution_search.h"
#include "search_results/result_layout.h"

namespace tinynas::nas {
namespace {

namespace fs = std::filesystem;

// After the last generation, at most this many rounds of hardware_top_k measurements look for a
// verified candidate when none has been verified yet.
constexpr int kFinalVerificationRounds = 4;
constexpr uint64_t kCalibrationSeedMix = 0xC0FFEEull;

const char* const kPhaseCalibration = "latency calibration";
const char* const kPhaseHardware = "hardware";

}  // namespace

void EvolutionSearch::calibrate() {
  const int count = settings_.calibration_samples;
  say("latency: measuring " + std::to_string(count) + " random subnets on " + board_.description() +
      " to fit the first latency model");
  std::mt19937_64 rng(seed_ ^ kCalibrationSeedMix);
  const bool may_fuse =
      constraints_.schedule == ScheduleChoice::kJoint && constraints_.peak_sram_bytes.has_value();
  int measured = 0;
  int64_t tries = 0;
  const int64_t max_tries = int64_t{settings_.max_tries} * count;
  while (measured < count) {
    if (++tries > max_tries) {
      throw std::runtime_error("latency calibration: no subnet fitting the memory limits in " +
                               std::to_string(max_tries) + " draws");
    }
    const space::SubnetConfig subnet = space::sample_subnet(space_, rng);
    const SubnetCost cost = subnet_cost(space_, subnet, constraints_);
    if (!fits_memory(cost, constraints_)) continue;
    // Under a joint schedule every other calibration model runs all its blocks fused, so the
    // fused kernel's cost law is known before a candidate needs it.
    const bool fused_sample = may_fuse && measured % 2 == 1;
    const std::vector<uint8_t> bytes = compile_random_weights(
        space_, subnet, static_cast<uint32_t>(seed_ + measured),
        fused_sample ? planner_options(compiler::Schedule::kFused) : planner_options(cost));
    const std::string name = "calibration " + space::describe_subnet(subnet);
    latency_.add(name, bytes, board_.measure(bytes, name), -1.0, 0);
    report_progress(kPhaseCalibration, ++measured, count);
  }
  board_.idle();  // the accuracy evaluations that follow need both cores
  latency_.refit();
}

int EvolutionSearch::hardware_round(const std::vector<std::string>& keys, int count,
                                    int generation) {
  std::vector<std::string> chosen;
  for (const std::string& key : keys) {
    const CandidateRecord& r = records_.at(key);
    if (static_cast<int>(chosen.size()) >= count) break;
    if (!r.measured && predicted_feasible(r)) chosen.push_back(key);
  }
  for (size_t i = 0; i < chosen.size(); ++i) {
    measure(records_.at(chosen[i]), generation);
    report_progress(kPhaseHardware, static_cast<int64_t>(i + 1),
                    static_cast<int64_t>(chosen.size()));
  }
  if (!chosen.empty()) {
    board_.idle();
    latency_.refit();
    update_predictions();
  }
  return static_cast<int>(chosen.size());
}

void EvolutionSearch::verify_until_one_passes() {
  const auto any_verified = [this] {
    for (const auto& [key, r] : records_) {
      if (r.verified()) return true;
    }
    return false;
  };
  for (int round = 0; round < kFinalVerificationRounds && !any_verified(); ++round) {
    std::vector<std::string> keys;
    for (const auto& [key, r] : records_) keys.push_back(key);
    sort_by_accuracy(keys);
    if (hardware_round(keys, settings_.hardware_top_k, settings_.generations) == 0) break;
    save_state(settings_.generations);
  }
}

void EvolutionSearch::measure(CandidateRecord& record, int generation) {
  const std::string name = space::describe_subnet(record.subnet);
  const std::vector<uint8_t> bytes = compiler_.compile(record.subnet, planner_options(record.cost));
  const profiler::ProfileResult result = board_.measure(bytes, name);
  const search_results::StateLayout state(options_.state_dir);
  fs::create_directories(state.models_dir());
  const std::string model_file =
      search_results::StateLayout::model_file_name("m" + std::to_string(models_written_++));
  compiler::write_model_file(state.model_path(model_file).string(), bytes);
  latency_.add(name, bytes, result, record.predicted_ms, generation);
  record.measured =
      make_board_record(result, constraints_, record.predicted_ms, model_file, generation);
}

void EvolutionSearch::update_predictions() {
  if (!latency_.ready()) return;
  for (auto& [key, record] : records_) record.predicted_ms = latency_.predict_ms(features(record));
}

const std::vector<latency::OpFeatures>& EvolutionSearch::features(const CandidateRecord& record) {
  auto it = features_.find(record.key);
  if (it == features_.end()) {
    const std::vector<uint8_t> bytes = compile_random_weights(
        space_, record.subnet, static_cast<uint32_t>(seed_), planner_options(record.cost));
    it = features_
             .emplace(record.key, model_op_features(bytes, space::describe_subnet(record.subnet)))
             .first;
  }
  return it->second;
}

}  // namespace tinynas::nas
