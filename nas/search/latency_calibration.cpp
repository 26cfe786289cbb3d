#include "nas/search/latency_calibration.h"

#include <random>
#include <set>
#include <stdexcept>

#include "nas/search/latency_tracker.h"
#include "nas/search/subnet_cost.h"
#include "space/subnet_config.h"

namespace tinynas::nas {
namespace {

// Give up drawing distinct subnets after this many draws per wanted subnet.
constexpr int kMaxDrawsPerSubnet = 100;

}  // namespace

std::vector<CalibrationModel> sample_calibration_models(const space::SearchSpace& space, int count,
                                                        uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::set<std::vector<int>> seen;
  std::vector<CalibrationModel> models;
  int draws = 0;
  while (static_cast<int>(models.size()) < count) {
    if (++draws > kMaxDrawsPerSubnet * count) {
      throw std::runtime_error("calibrate: the space has fewer than " + std::to_string(count) +
                               " distinct subnets (found " + std::to_string(models.size()) + ")");
    }
    const space::SubnetConfig subnet = space::sample_subnet(space, rng);
    if (!seen.insert(space::encode_subnet(space, subnet)).second) continue;
    CalibrationModel model;
    model.name = space::describe_subnet(subnet);
    model.bytes = compile_random_weights(space, subnet, static_cast<uint32_t>(models.size() + 1));
    model.ops = model_op_features(model.bytes, "subnet " + model.name);
    models.push_back(std::move(model));
  }
  return models;
}

FarmCalibrationBoards::FarmCalibrationBoards(const std::string& url, const std::string& token,
                                             std::string kind, uint32_t runs,
                                             std::chrono::milliseconds job_timeout)
    : client_(url, token), kind_(std::move(kind)), runs_(runs), job_timeout_(job_timeout) {}

void FarmCalibrationBoards::submit(const std::vector<CalibrationModel>& models) {
  for (const CalibrationModel& model : models) {
    job_ids_.push_back(client_.submit(model.bytes, kind_, runs_).at("id").get<int64_t>());
    names_.push_back(model.name);
  }
}

profiler::ProfileResult FarmCalibrationBoards::collect(std::size_t index) {
  const int64_t id = job_ids_.at(index);
  const nlohmann::json job = client_.wait_for_job(id, job_timeout_);
  if (job.at("state") != "done") {
    throw std::runtime_error("calibrate: farm job " + std::to_string(id) + " (subnet " +
                             names_.at(index) + ") failed: " + job.value("error", std::string()));
  }
  return farm::profile_result_from_json(job.at("measurement").at("result"));
}

latency::LatencyModel calibrate_latency_model(const space::SearchSpace& space,
                                              const CalibrationSettings& settings,
                                              CalibrationBoards& boards,
                                              const CalibrationObserver& observer) {
  const int total = settings.samples + settings.holdout;
  const std::vector<CalibrationModel> models =
      sample_calibration_models(space, total, settings.seed);
  if (observer.message) {
    observer.message(std::to_string(total) + " distinct subnets of " + space.name + " (" +
                     std::to_string(settings.samples) + " to fit, " +
                     std::to_string(settings.holdout) + " held out); submitting to " +
                     boards.description());
  }
  boards.submit(models);
  std::vector<latency::ModelMeasurement> measured;
  std::string firmware;
  uint32_t clock_hz = 0;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const profiler::ProfileResult r = boards.collect(i);
    if (firmware.empty()) {
      firmware = r.firmware_version;
      clock_hz = r.clock_hz;
    } else if (r.firmware_version != firmware) {
      throw std::runtime_error("calibrate: boards of " + settings.board +
                               " run different firmware (" + firmware + " and " +
                               r.firmware_version + "): calibrate one firmware at a time");
    }
    measured.push_back(
        latency::make_measurement(models[i].name, models[i].ops, r.per_op_cycles, r.cycles));
    if (observer.measured) observer.measured(static_cast<int>(i + 1), total);
  }
  const std::vector<latency::ModelMeasurement> fit_set(measured.begin(),
                                                       measured.begin() + settings.samples);
  const std::vector<latency::ModelMeasurement> held_out(measured.begin() + settings.samples,
                                                        measured.end());
  latency::LatencyModel model =
      latency::fit_latency_model(fit_set, settings.board, firmware, clock_hz);
  if (!held_out.empty()) model.holdout = latency::evaluate_latency_model(model, held_out);
  return model;
}

}  // namespace tinynas::nas
