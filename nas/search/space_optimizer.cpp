#include "nas/search/space_optimizer.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

#include "nas/search/subnet_cost.h"
#include "space/subnet_config.h"

namespace tinynas::nas {
namespace {

// Decorrelates the generators of neighbouring grid points (the 64-bit golden ratio).
constexpr uint64_t kGridSeedStride = 0x9E3779B97F4A7C15ull;

}  // namespace

Stage1Result optimize_space(const space::SearchSpace& family, const Stage1Settings& settings,
                            const Constraints& constraints, uint64_t seed,
                            const ProgressCallback& progress) {
  Stage1Result result;
  const int64_t total =
      static_cast<int64_t>(settings.width_multipliers.size() * settings.resolutions.size()) *
      settings.samples;
  int64_t done = 0;
  for (double width : settings.width_multipliers) {
    for (int resolution : settings.resolutions) {
      GridPointResult point;
      point.width_multiplier = width;
      point.resolution = resolution;
      const space::SearchSpace space = space_at(family, width, resolution);
      point.space_name = space.name;
      point.samples = settings.samples;
      std::mt19937_64 rng(seed + kGridSeedStride * (result.points.size() + 1));
      for (int i = 0; i < settings.samples; ++i) {
        const space::SubnetConfig subnet = space::sample_subnet(space, rng);
        const SubnetCost cost = subnet_cost(space, subnet, constraints);
        if (fits_memory(cost, constraints)) point.satisfying_macs.push_back(cost.macs);
        if (progress) progress(++done, total);
      }
      std::sort(point.satisfying_macs.begin(), point.satisfying_macs.end());
      point.satisfying = static_cast<int>(point.satisfying_macs.size());
      if (point.satisfying > 0) {
        point.mean_macs =
            std::accumulate(point.satisfying_macs.begin(), point.satisfying_macs.end(), 0.0) /
            point.satisfying;
        point.median_macs = point.satisfying_macs[point.satisfying_macs.size() / 2];
      }
      result.points.push_back(std::move(point));
    }
  }
  for (size_t i = 0; i < result.points.size(); ++i) {
    const GridPointResult& p = result.points[i];
    if (p.satisfying == 0) continue;
    if (result.chosen < 0 || p.mean_macs > result.points[result.chosen].mean_macs) {
      result.chosen = static_cast<int>(i);
    }
  }
  if (result.chosen < 0) {
    throw std::runtime_error(
        "stage 1: none of the " + std::to_string(total) +
        " sampled subnets of any grid point fits the memory limits; relax the constraints or "
        "add smaller widths / resolutions to stage1");
  }
  const GridPointResult& best = result.points[result.chosen];
  result.chosen_space = space_at(family, best.width_multiplier, best.resolution);
  return result;
}

nlohmann::json to_json(const Constraints& constraints) {
  nlohmann::json out = nlohmann::json::object();
  if (constraints.peak_sram_bytes) out["peak_sram_bytes"] = *constraints.peak_sram_bytes;
  if (constraints.flash_bytes) out["flash_bytes"] = *constraints.flash_bytes;
  if (constraints.latency_ms) out["latency_ms"] = *constraints.latency_ms;
  out["schedule"] = schedule_choice_name(constraints.schedule);
  return out;
}

nlohmann::json to_json(const Stage1Result& result, const Constraints& constraints) {
  nlohmann::json points = nlohmann::json::array();
  for (const GridPointResult& p : result.points) {
    points.push_back({{"width_multiplier", p.width_multiplier},
                      {"resolution", p.resolution},
                      {"space", p.space_name},
                      {"samples", p.samples},
                      {"satisfying", p.satisfying},
                      {"mean_macs", p.mean_macs},
                      {"median_macs", p.median_macs},
                      {"macs", p.satisfying_macs}});
  }
  return {{"rule",
           "largest mean MACs among subnets that fit the memory limits (MCUNet, Lin et al. "
           "NeurIPS 2020)"},
          {"constraints", to_json(constraints)},
          {"chosen", result.chosen},
          {"chosen_space", result.chosen >= 0 ? result.points[result.chosen].space_name : ""},
          {"points", points}};
}

Stage1Result stage1_result_from_json(const nlohmann::json& json, const space::SearchSpace& family) {
  Stage1Result result;
  for (const nlohmann::json& p : json.at("points")) {
    GridPointResult point;
    point.width_multiplier = p.at("width_multiplier").get<double>();
    point.resolution = p.at("resolution").get<int>();
    point.space_name = p.at("space").get<std::string>();
    point.samples = p.at("samples").get<int>();
    point.satisfying = p.at("satisfying").get<int>();
    point.mean_macs = p.at("mean_macs").get<double>();
    point.median_macs = p.at("median_macs").get<int64_t>();
    point.satisfying_macs = p.at("macs").get<std::vector<int64_t>>();
    result.points.push_back(std::move(point));
  }
  result.chosen = json.at("chosen").get<int>();
  if (result.chosen < 0 || result.chosen >= static_cast<int>(result.points.size())) {
    throw std::runtime_error("stage-1 result: chosen: expected an index into points, found " +
                             std::to_string(result.chosen));
  }
  const GridPointResult& best = result.points[result.chosen];
  result.chosen_space = space_at(family, best.width_multiplier, best.resolution);
  return result;
}

}  // namespace tinynas::nas
