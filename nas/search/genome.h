// The genes the evolution works on: a depth per stage and a (kernel, expand) choice for every
// block slot up to the maximum depth, inactive slots included, so that a mutation which deepens
// a stage revives inherited genes instead of inventing them (as once-for-all's evolution
// finder keeps the full-length kernel and expand lists).
#pragma once

#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "space/search_space.h"
#include "space/subnet_config.h"

namespace tinynas::nas {

struct Genome {
  std::vector<int> depths;                             // per stage
  std::vector<std::vector<space::BlockChoice>> slots;  // per stage, max_depth slots
  bool operator==(const Genome& o) const { return depths == o.depths && slots == o.slots; }
};

Genome random_genome(const space::SearchSpace& space, std::mt19937_64& rng);
// The subnet the genome expresses (the first depths[s] slots of each stage).
space::SubnetConfig express(const Genome& genome);
// Each kernel, expand ratio and depth gene is redrawn with `probability`.
Genome mutate(const space::SearchSpace& space, const Genome& parent, double probability,
              std::mt19937_64& rng);
// Each gene from either parent with equal chance.
Genome crossover(const Genome& a, const Genome& b, std::mt19937_64& rng);

nlohmann::json to_json(const Genome& genome);
Genome genome_from_json(const nlohmann::json& json);

}  // namespace tinynas::nas
