#include "nas/search/subnet_cost.h"

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/model_writer.h"

namespace tinynas::nas {

namespace {

SubnetCost cost_of_plan(const compiler::Graph& graph, const compiler::MemoryPlan& plan,
                        compiler::Schedule requested) {
  SubnetCost cost;
  cost.schedule = requested;
  cost.plan = plan.schedule;
  cost.mac_overhead = plan.mac_overhead;
  cost.arena_bytes = plan.arena_bytes;
  cost.scratch_bytes = plan.scratch_bytes;
  cost.peak_sram_bytes = plan.peak_sram_bytes();
  cost.flash_bytes = compiler::model_file_bytes(graph);
  cost.macs = compiler::graph_macs(graph);
  cost.params = compiler::graph_params(graph);
  return cost;
}

}  // namespace

compiler::PlannerOptions planner_options(compiler::Schedule schedule) {
  compiler::PlannerOptions options;
  options.schedule = schedule;
  return options;
}

compiler::PlannerOptions planner_options(const SubnetCost& cost) {
  compiler::PlannerOptions options = planner_options(cost.schedule);
  options.max_mac_overhead = cost.max_mac_overhead;
  return options;
}

SubnetCost subnet_cost(const space::SearchSpace& space, const space::SubnetConfig& subnet) {
  const compiler::Graph graph =
      compiler::build_graph_structure(space::to_network_spec(space, subnet));
  return cost_of_plan(graph, compiler::plan_memory(graph), compiler::Schedule::kPlain);
}

SubnetCost subnet_cost(const space::SearchSpace& space, const space::SubnetConfig& subnet,
                       const Constraints& constraints) {
  const compiler::Graph graph =
      compiler::build_graph_structure(space::to_network_spec(space, subnet));
  const compiler::MemoryPlan plain = compiler::plan_memory(graph);
  const bool plain_fits =
      !constraints.peak_sram_bytes || plain.peak_sram_bytes() <= *constraints.peak_sram_bytes;
  if (constraints.schedule == ScheduleChoice::kPlain || plain_fits) {
    return cost_of_plan(graph, plain, compiler::Schedule::kPlain);
  }
  // Fused blocks, streamed stages and patches cost cycles (row-at-a-time loops, recomputed
  // overlaps), so they are only worth it when op by op does not fit; kAuto takes the smallest
  // peak of plain, fused blocks, streamed and patch stages within the job's MAC-overhead limit.
  compiler::PlannerOptions options = planner_options(compiler::Schedule::kAuto);
  options.max_mac_overhead = constraints.max_mac_overhead;
  SubnetCost cost =
      cost_of_plan(graph, compiler::plan_memory(graph, options), compiler::Schedule::kAuto);
  cost.max_mac_overhead = constraints.max_mac_overhead;
  return cost;
}

bool fits_memory(const SubnetCost& cost, const Constraints& constraints) {
  if (constraints.peak_sram_bytes && cost.peak_sram_bytes > *constraints.peak_sram_bytes) {
    return false;
  }
  if (constraints.flash_bytes && cost.flash_bytes > *constraints.flash_bytes) return false;
  return true;
}

std::vector<uint8_t> compile_random_weights(const space::SearchSpace& space,
                                            const space::SubnetConfig& subnet, uint32_t seed,
                                            const compiler::PlannerOptions& planner) {
  compiler::BuildOptions options;
  options.seed = seed;
  const compiler::Graph graph =
      compiler::build_graph(space::to_network_spec(space, subnet), options);
  return compiler::write_model(graph, compiler::plan_memory(graph, planner));
}

std::string schedule_description(const SubnetCost& cost) {
  switch (cost.plan) {
    case compiler::Schedule::kFused:
      return "fused blocks";
    case compiler::Schedule::kPatch:
      return "patch stage (MAC overhead " + std::to_string(cost.mac_overhead) + ")";
    case compiler::Schedule::kStreamed:
      return "streamed stages";
    default:
      return "op by op";
  }
}

nlohmann::json to_json(const SubnetCost& cost) {
  return {{"schedule", compiler::schedule_name(cost.schedule)},
          {"plan", compiler::schedule_name(cost.plan)},
          {"mac_overhead", cost.mac_overhead},
          {"max_mac_overhead", cost.max_mac_overhead},
          {"peak_sram_bytes", cost.peak_sram_bytes},
          {"arena_bytes", cost.arena_bytes},
          {"scratch_bytes", cost.scratch_bytes},
          {"flash_bytes", cost.flash_bytes},
          {"macs", cost.macs},
          {"params", cost.params}};
}

SubnetCost subnet_cost_from_json(const nlohmann::json& json) {
  SubnetCost cost;
  // Searches saved before schedules were part of the candidate ran op by op.
  cost.schedule = compiler::parse_schedule(json.value("schedule", std::string("plain")));
  cost.plan = compiler::parse_schedule(json.value("plan", std::string("plain")));
  cost.mac_overhead = json.value("mac_overhead", int64_t{0});
  // Searches saved before the limit existed planned under the default.
  cost.max_mac_overhead = json.value("max_mac_overhead", compiler::kDefaultMaxMacOverhead);
  cost.peak_sram_bytes = json.at("peak_sram_bytes").get<int64_t>();
  cost.arena_bytes = json.at("arena_bytes").get<int64_t>();
  cost.scratch_bytes = json.at("scratch_bytes").get<int64_t>();
  cost.flash_bytes = json.at("flash_bytes").get<int64_t>();
  cost.macs = json.at("macs").get<int64_t>();
  cost.params = json.at("params").get<int64_t>();
  return cost;
}

}  // namespace tinynas::nas
