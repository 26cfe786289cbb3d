// One subnet of a search space (kernel size and expand ratio per active block, depth per stage),
// its sampling, its fixed-length encoding and its lowering to a concrete NetworkSpec.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/compiler/network_spec.h"
#include "space/search_space.h"

namespace tinynas::space {

struct BlockChoice {
  int kernel_size = 0;
  int expand_ratio = 0;
  bool operator==(const BlockChoice& o) const {
    return kernel_size == o.kernel_size && expand_ratio == o.expand_ratio;
  }
};

struct SubnetConfig {
  // stages[s] holds the active blocks of stage s; its size is the stage depth.
  std::vector<std::vector<BlockChoice>> stages;
  bool operator==(const SubnetConfig& o) const { return stages == o.stages; }
};

// The choices a sampler may draw from (a progressive-shrinking phase narrows them).
struct ChoiceSet {
  std::vector<int> kernel_sizes;
  std::vector<int> expand_ratios;
  std::vector<int> depths;
};
ChoiceSet all_choices(const SearchSpace& space);

// Throws std::invalid_argument naming the stage/block and the allowed values.
void validate_subnet(const SearchSpace& space, const SubnetConfig& subnet);

SubnetConfig largest_subnet(const SearchSpace& space);
SubnetConfig smallest_subnet(const SearchSpace& space);
SubnetConfig sample_subnet(const SearchSpace& space, std::mt19937_64& rng);
SubnetConfig sample_subnet(const SearchSpace& space, const ChoiceSet& choices,
                           std::mt19937_64& rng);
SubnetConfig sample_subnet(const SearchSpace& space, uint64_t seed);

// Fixed length: per stage [depth, then (kernel, expand) for each of max_depth slots, with
// zeros in the inactive slots]. Equal subnets have equal encodings and vice versa.
std::vector<int> encode_subnet(const SearchSpace& space, const SubnetConfig& subnet);
SubnetConfig decode_subnet(const SearchSpace& space, const std::vector<int>& encoding);
int encoding_length(const SearchSpace& space);

// Concrete network (ReLU6 everywhere, residual where stride 1 and widths match).
compiler::NetworkSpec to_network_spec(const SearchSpace& space, const SubnetConfig& subnet,
                                      const std::string& name = "subnet");
// The inverse: which subnet of `space` `spec` is. Throws std::invalid_argument naming the block
// and the mismatch when `spec` is not a member of the space.
SubnetConfig subnet_from_network_spec(const SearchSpace& space, const compiler::NetworkSpec& spec);

// Our architecture file (engine/compiler/arch_json.h) of a subnet, and back.
void save_subnet_arch(const SearchSpace& space, const SubnetConfig& subnet, const std::string& path,
                      const std::string& name = "subnet");
SubnetConfig load_subnet_arch(const SearchSpace& space, const std::string& path);

// Short human-readable form: "k7e6 k5e4 | k3e3 k3e3 | ...".
std::string describe_subnet(const SubnetConfig& subnet);

}  // namespace tinynas::space
