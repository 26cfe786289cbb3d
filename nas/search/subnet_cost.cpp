#include "nas/search/subnet_cost.h"

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/model_writer.h"

namespace tinynas::nas {

SubnetCost subnet_cost(const SearchSpace& space, const SubnetConfig& subnet) {
  const compiler::Graph graph = compiler::build_graph_structure(to_network_spec(space, subnet));
  const compiler::MemoryPlan plan = compiler::plan_memory(graph);
  SubnetCost cost;
  cost.arena_bytes = plan.arena_bytes;
  cost.scratch_bytes = plan.scratch_bytes;
  cost.peak_sram_bytes = plan.peak_sram_bytes();
  cost.flash_bytes = compiler::model_file_bytes(graph);
  cost.macs = compiler::graph_macs(graph);
  cost.params = compiler::graph_params(graph);
  return cost;
}

bool fits_memory(const SubnetCost& cost, const Constraints& constraints) {
  if (constraints.peak_sram_bytes && cost.peak_sram_bytes > *constraints.peak_sram_bytes) {
    return false;
  }
  if (constraints.flash_bytes && cost.flash_bytes > *constraints.flash_bytes) return false;
  return true;
}

std::vector<uint8_t> compile_random_weights(const SearchSpace& space, const SubnetConfig& subnet,
                                            uint32_t seed) {
  compiler::BuildOptions options;
  options.seed = seed;
  const compiler::Graph graph = compiler::build_graph(to_network_spec(space, subnet), options);
  return compiler::write_model(graph, compiler::plan_memory(graph));
}

nlohmann::json to_json(const SubnetCost& cost) {
  return {{"peak_sram_bytes", cost.peak_sram_bytes},
          {"arena_bytes", cost.arena_bytes},
          {"scratch_bytes", cost.scratch_bytes},
          {"flash_bytes", cost.flash_bytes},
          {"macs", cost.macs},
          {"params", cost.params}};
}

SubnetCost subnet_cost_from_json(const nlohmann::json& json) {
  SubnetCost cost;
  cost.peak_sram_bytes = json.at("peak_sram_bytes").get<int64_t>();
  cost.arena_bytes = json.at("arena_bytes").get<int64_t>();
  cost.scratch_bytes = json.at("scratch_bytes").get<int64_t>();
  cost.flash_bytes = json.at("flash_bytes").get<int64_t>();
  cost.macs = json.at("macs").get<int64_t>();
  cost.params = json.at("params").get<int64_t>();
  return cost;
}

}  // namespace tinynas::nas
