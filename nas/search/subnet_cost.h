// What a subnet costs on the MCU, from the engine itself: the graph builder lowers it, the
// memory planner lays out its arena (the exact peak SRAM the board will use), the model writer's
// size rule gives its flash. Constraint checks against a job's limits.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "nas/search/search_job.h"
#include "space/search_space.h"
#include "space/subnet_config.h"

namespace tinynas::nas {

struct SubnetCost {
  // The planner schedule the subnet is compiled with (kPlain or kAuto; the same request gives
  // the same plan) and what that plan does: kPlain, kFused (some blocks row-streamed) or kPatch
  // (a patch stage first).
  compiler::Schedule schedule = compiler::Schedule::kPlain;
  compiler::Schedule plan = compiler::Schedule::kPlain;
  int64_t mac_overhead = 0;  // MACs the schedule computes beyond `macs`
  // The limit kAuto was planned under (constraints.max_mac_overhead): a fraction of `macs`.
  double max_mac_overhead = compiler::kDefaultMaxMacOverhead;
  int64_t peak_sram_bytes = 0;  // arena + scratch (memory planner)
  int64_t arena_bytes = 0;
  int64_t scratch_bytes = 0;
  int64_t flash_bytes = 0;  // .tnm file size
  int64_t macs = 0;
  int64_t params = 0;
};

// Structure only (no weights): fast enough for stage 1's thousands of samples. Op by op.
SubnetCost subnet_cost(const space::SearchSpace& space, const space::SubnetConfig& subnet);
// The schedule chosen as `constraints.schedule` says: under kJoint, op by op when that meets
// the SRAM limit (no limit: op by op), else the planner's smallest-peak schedule.
SubnetCost subnet_cost(const space::SearchSpace& space, const space::SubnetConfig& subnet,
                       const Constraints& constraints);

// True when the planner's SRAM and the file size are within the limits that are set.
bool fits_memory(const SubnetCost& cost, const Constraints& constraints);

// The planner options that give the plan `cost` was computed from (its schedule and limit).
compiler::PlannerOptions planner_options(const SubnetCost& cost);
compiler::PlannerOptions planner_options(compiler::Schedule schedule);

// The .tnm bytes of the subnet with seeded random weights: the structure (and so the memory
// plan, the op features and the latency) of the trained model, without needing the supernet.
std::vector<uint8_t> compile_random_weights(const space::SearchSpace& space,
                                            const space::SubnetConfig& subnet, uint32_t seed,
                                            const compiler::PlannerOptions& planner = {});

// "op by op", "fused blocks", "patch stage (MAC overhead N)": how the candidate runs.
std::string schedule_description(const SubnetCost& cost);

nlohmann::json to_json(const SubnetCost& cost);
SubnetCost subnet_cost_from_json(const nlohmann::json& json);

}  // namespace tinynas::nas
