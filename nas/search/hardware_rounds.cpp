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
  // Draw and compile every sample first so that a measurer with several farms runs them side
  // by side.
  std::vector<ModelToMeasure> samples;
  int64_t tries = 0;
  const int64_t max_tries = int64_t{settings_.max_tries} * count;
  while (static_cast<int>(samples.size()) < count) {
    if (++tries > max_tries) {
      throw std::runtime_error("latency calibration: no subnet fitting the memory limits in " +
                               std::to_string(max_tries) + " draws");
    }
    const space::SubnetConfig subnet = space::sample_subnet(space_, rng);
    const SubnetCost cost = subnet_cost(space_, subnet, constraints_);
    if (!fits_memory(cost, constraints_)) continue;
    const int index = static_cast<int>(samples.size());
    // Under a joint schedule every other calibration model runs all its blocks fused, so the
    // fused kernel's cost law is known before a candidate needs it.
    const bool fused_sample = may_fuse && index % 2 == 1;
    samples.push_back(
        {compile_random_weights(
             space_, subnet, static_cast<uint32_t>(seed_ + index),
             fused_sample ? planner_options(compiler::Schedule::kFused) : planner_options(cost)),
         "calibration " + space::describe_subnet(subnet)});
  }
  const std::vector<profiler::ProfileResult> results = board_.measure_all(
      samples,
      [&](size_t done) { report_progress(kPhaseCalibration, static_cast<int64_t>(done), count); });
  for (size_t i = 0; i < samples.size(); ++i) {
    latency_.add(samples[i].name, samples[i].bytes, results[i], -1.0, 0);
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
  std::vector<ModelToMeasure> models;
  for (const std::string& key : chosen) {
    const CandidateRecord& record = records_.at(key);
    models.push_back({compiler_.compile(record.subnet, planner_options(record.cost)),
                      space::describe_subnet(record.subnet)});
  }
  const std::vector<profiler::ProfileResult> results = board_.measure_all(models, [&](size_t done) {
    report_progress(kPhaseHardware, static_cast<int64_t>(done),
                    static_cast<int64_t>(chosen.size()));
  });
  for (size_t i = 0; i < chosen.size(); ++i) {
    record_measurement(records_.at(chosen[i]), models[i], results[i], generation);
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
    sort_by_objective(keys);
    if (hardware_round(keys, settings_.hardware_top_k, settings_.generations) == 0) break;
    save_state(settings_.generations);
  }
}

void EvolutionSearch::record_measurement(CandidateRecord& record, const ModelToMeasure& model,
                                         const profiler::ProfileResult& result, int generation) {
  const search_results::StateLayout state(options_.state_dir);
  fs::create_directories(state.models_dir());
  const std::string model_file =
      search_results::StateLayout::model_file_name("m" + std::to_string(models_written_++));
  compiler::write_model_file(state.model_path(model_file).string(), model.bytes);
  latency_.add(model.name, model.bytes, result, record.predicted_ms, generation);
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
