// Stage 1: choose the search space. For each (width multiplier, resolution) of the job's grid,
// sample random subnets, keep those whose memory (the engine's planner, exact) fits the limits,
// and compare the MACs distributions of the survivors. The space whose satisfying subnets have
// the largest mean MACs wins: under the same memory, more computation tends to mean more
// accuracy (Lin et al., "MCUNet: Tiny Deep Learning on IoT Devices", NeurIPS 2020, section 3.1).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nas/search/search_job.h"
#include "space/search_space.h"

namespace tinynas::nas {

struct GridPointResult {
  double width_multiplier = 0.0;
  int resolution = 0;
  std::string space_name;
  int samples = 0;
  int satisfying = 0;
  std::vector<int64_t> satisfying_macs;  // ascending: the empirical CDF
  double mean_macs = 0.0;                // of the satisfying subnets (0 when none)
  int64_t median_macs = 0;
};

struct Stage1Result {
  std::vector<GridPointResult> points;  // grid order: widths outer, resolutions inner
  int chosen = -1;                      // index into points
  space::SearchSpace chosen_space;
};

// Called after each sample: (done, total).
using ProgressCallback = std::function<void(int64_t, int64_t)>;

// Deterministic for a seed (each grid point draws from its own seeded generator). Throws
// std::runtime_error when no subnet of any grid point fits.
Stage1Result optimize_space(const space::SearchSpace& family, const Stage1Settings& settings,
                            const Constraints& constraints, uint64_t seed,
                            const ProgressCallback& progress = {});

// {"rule", "constraints", "chosen", "points": [{"width_multiplier", "resolution", "space",
//  "samples", "satisfying", "mean_macs", "median_macs", "macs": [...ascending]}]}
nlohmann::json to_json(const Stage1Result& result, const Constraints& constraints);
Stage1Result stage1_result_from_json(const nlohmann::json& json, const space::SearchSpace& family);

nlohmann::json to_json(const Constraints& constraints);

}  // namespace tinynas::nas
