#include "nas/search/search_interfaces.h"
#include "nas/search/subnet_cost.h"

namespace tinynas::nas {

std::vector<uint8_t> RandomWeightsCompiler::compile(const space::SubnetConfig& subnet,
                                                    const compiler::PlannerOptions& planner) {
  return compile_random_weights(space_, subnet, seed_, planner);
}

}  // namespace tinynas::nas
