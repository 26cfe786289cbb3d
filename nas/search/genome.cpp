#include "nas/search/genome.h"

namespace tinynas::nas {
namespace {

// Uniform index below n, drawn the same way on every platform (std::uniform_int_distribution
// is implementation-defined, which would break seeded reproducibility across standard
// libraries).
size_t draw_index(size_t n, std::mt19937_64& rng) { return static_cast<size_t>(rng() % n); }

template <typename T>
T draw(const std::vector<T>& choices, std::mt19937_64& rng) {
  return choices[draw_index(choices.size(), rng)];
}

// A probability draw in [0, 1) with 53 bits, platform-independent.
constexpr int kMantissaShift = 11;
constexpr double kTwoPow53 = 9007199254740992.0;
bool chance(double probability, std::mt19937_64& rng) {
  return static_cast<double>(rng() >> kMantissaShift) / kTwoPow53 < probability;
}

space::BlockChoice random_block(const space::SearchSpace& space, std::mt19937_64& rng) {
  space::BlockChoice b;
  b.kernel_size = draw(space.kernel_sizes, rng);
  b.expand_ratio = draw(space.expand_ratios, rng);
  return b;
}

}  // namespace

Genome random_genome(const space::SearchSpace& space, std::mt19937_64& rng) {
  Genome g;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    g.depths.push_back(draw(space.depths, rng));
    std::vector<space::BlockChoice> slots;
    for (int i = 0; i < space.max_depth(); ++i) slots.push_back(random_block(space, rng));
    g.slots.push_back(std::move(slots));
  }
  return g;
}

space::SubnetConfig express(const Genome& genome) {
  space::SubnetConfig subnet;
  for (size_t s = 0; s < genome.depths.size(); ++s) {
    subnet.stages.emplace_back(genome.slots[s].begin(), genome.slots[s].begin() + genome.depths[s]);
  }
  return subnet;
}

Genome mutate(const space::SearchSpace& space, const Genome& parent, double probability,
              std::mt19937_64& rng) {
  Genome child = parent;
  for (auto& stage : child.slots) {
    for (space::BlockChoice& block : stage) {
      if (chance(probability, rng)) block.kernel_size = draw(space.kernel_sizes, rng);
      if (chance(probability, rng)) block.expand_ratio = draw(space.expand_ratios, rng);
    }
  }
  for (int& depth : child.depths) {
    if (chance(probability, rng)) depth = draw(space.depths, rng);
  }
  return child;
}

Genome crossover(const Genome& a, const Genome& b, std::mt19937_64& rng) {
  Genome child = a;
  for (size_t s = 0; s < child.slots.size(); ++s) {
    for (size_t i = 0; i < child.slots[s].size(); ++i) {
      if (chance(0.5, rng)) child.slots[s][i].kernel_size = b.slots[s][i].kernel_size;
      if (chance(0.5, rng)) child.slots[s][i].expand_ratio = b.slots[s][i].expand_ratio;
    }
    if (chance(0.5, rng)) child.depths[s] = b.depths[s];
  }
  return child;
}

nlohmann::json to_json(const Genome& genome) {
  nlohmann::json slots = nlohmann::json::array();
  for (const auto& stage : genome.slots) {
    nlohmann::json s = nlohmann::json::array();
    for (const space::BlockChoice& b : stage) s.push_back({b.kernel_size, b.expand_ratio});
    slots.push_back(s);
  }
  return {{"depths", genome.depths}, {"slots", slots}};
}

Genome genome_from_json(const nlohmann::json& json) {
  Genome g;
  g.depths = json.at("depths").get<std::vector<int>>();
  for (const nlohmann::json& stage : json.at("slots")) {
    std::vector<space::BlockChoice> slots;
    for (const nlohmann::json& b : stage) {
      slots.push_back({b.at(0).get<int>(), b.at(1).get<int>()});
    }
    g.slots.push_back(std::move(slots));
  }
  return g;
}

}  // namespace tinynas::nas
