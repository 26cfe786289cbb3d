#include "nas/search/scheme_search.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>

namespace tinynas::nas {
namespace {

constexpr int kAttemptsPerChild = 20;
constexpr double kInitialWeightLayers = 3.0;  // layers with a weight update in a random genome

// The plan of each genome, once: planning is the search's cost.
class FeasibilityCache {
 public:
  FeasibilityCache(const compiler::ValidatedGraph& graph, const ContributionTable& table,
                   const SchemeSearchOptions& options)
      : graph_(graph), table_(table), options_(options) {}

  int64_t peak(const SchemeGenome& genome) {
    const auto found = peaks_.find(genome);
    if (found != peaks_.end()) return found->second;
    const int64_t bytes =
        compiler::plan_training_memory(graph_, genome_scheme(table_, genome), options_.training)
            .plan.peak_sram_bytes();
    peaks_.emplace(genome, bytes);
    return bytes;
  }
  bool fits(const SchemeGenome& genome) { return peak(genome) <= options_.sram_bytes; }
  int planned() const { return static_cast<int>(peaks_.size()); }

 private:
  const compiler::ValidatedGraph& graph_;
  const ContributionTable& table_;
  const SchemeSearchOptions& options_;
  std::map<SchemeGenome, int64_t> peaks_;
};

void check_table(const compiler::Graph& graph, const ContributionTable& table) {
  const std::vector<std::string> layers = trainable_layer_names(graph);
  if (layers.empty())
    throw std::invalid_argument("scheme search: the model has no layer with weights");
  if (table.layers != layers) {
    throw std::invalid_argument(
        "scheme search: the contribution table's " + std::to_string(table.layers.size()) +
        " layers are not the model's " + std::to_string(layers.size()) + " layers with weights");
  }
  if (table.bias_gain.size() != layers.size() || table.weight_gain.size() != layers.size()) {
    throw std::invalid_argument(
        "scheme search: the contribution table needs a bias gain and weight gains per layer (" +
        std::to_string(layers.size()) + ")");
  }
}

}  // namespace

BudgetTooSmall::BudgetTooSmall(int64_t budget, int64_t minimum_bytes)
    : std::invalid_argument("--sram " + std::to_string(budget) +
                            " B is below the least training memory of this model, " +
                            std::to_string(minimum_bytes) +
                            " B (the classifier's bias alone; minimum_training_bytes)"),
      minimum(minimum_bytes) {}

std::vector<std::string> trainable_layer_names(const compiler::Graph& graph) {
  std::vector<std::string> names;
  for (const compiler::Op& op : graph.ops) {
    if (compiler::op_has_weights(op.kind) && op.weights >= 0) names.push_back(op.name);
  }
  return names;
}

compiler::UpdateScheme genome_scheme(const ContributionTable& table, const SchemeGenome& genome) {
  compiler::UpdateScheme scheme;
  const int count = static_cast<int>(table.layers.size());
  for (int i = 0; i < count; ++i) {
    const bool bias = i >= count - genome.bias_depth;
    const int eighths = genome.ratio[i] == 0 ? 0 : kWeightRatioEighths[genome.ratio[i] - 1];
    if (bias || eighths > 0) scheme.layers.push_back({table.layers[i], bias, eighths});
  }
  return scheme;
}

double genome_contribution(const ContributionTable& table, const SchemeGenome& genome) {
  double sum = table.bias_gain[genome.bias_depth - 1];
  for (size_t i = 0; i < genome.ratio.size(); ++i) {
    if (genome.ratio[i] > 0) sum += table.weight_gain[i][genome.ratio[i] - 1];
  }
  return sum;
}

SchemeSearchResult search_update_scheme(const compiler::ValidatedGraph& graph,
                                        const ContributionTable& table,
                                        const SchemeSearchOptions& options,
                                        const std::function<void(int, int)>& on_generation) {
  check_table(graph.graph(), table);
  const int64_t minimum = compiler::minimum_training_bytes(graph);
  if (options.sram_bytes < minimum) throw BudgetTooSmall(options.sram_bytes, minimum);
  const int layers = static_cast<int>(table.layers.size());
  const int ratios = static_cast<int>(kWeightRatioEighths.size());
  FeasibilityCache cache(graph, table, options);
  std::mt19937_64 rng(options.seed);
  auto uniform = [&rng](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(rng);
  };
  auto chance = [&rng](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };

  SchemeGenome smallest;
  smallest.ratio.assign(layers, 0);
  const double weight_layer_probability = std::min(0.5, kInitialWeightLayers / layers);
  auto random_genome = [&] {
    SchemeGenome genome = smallest;
    genome.bias_depth = uniform(1, layers);
    for (int& ratio : genome.ratio) {
      if (chance(weight_layer_probability)) ratio = uniform(1, ratios);
    }
    return genome;
  };
  auto mutate = [&](SchemeGenome genome) {
    if (chance(options.mutation_probability)) genome.bias_depth = uniform(1, layers);
    for (int& ratio : genome.ratio) {
      if (chance(options.mutation_probability)) ratio = uniform(0, ratios);
    }
    return genome;
  };
  auto crossover = [&](const SchemeGenome& a, const SchemeGenome& b) {
    SchemeGenome child = a;
    if (chance(0.5)) child.bias_depth = b.bias_depth;
    for (int i = 0; i < layers; ++i) {
      if (chance(0.5)) child.ratio[i] = b.ratio[i];
    }
    return child;
  };

  std::set<SchemeGenome> seen;
  std::vector<SchemeGenome> population;
  auto admit = [&](const SchemeGenome& genome) {
    if (seen.count(genome) != 0 || !cache.fits(genome)) return false;
    seen.insert(genome);
    population.push_back(genome);
    return true;
  };
  admit(smallest);
  for (int attempt = 0; attempt < options.population * kAttemptsPerChild &&
                        static_cast<int>(population.size()) < options.population;
       ++attempt) {
    admit(random_genome());
  }
  auto by_contribution = [&table](const SchemeGenome& a, const SchemeGenome& b) {
    const double ca = genome_contribution(table, a);
    const double cb = genome_contribution(table, b);
    return ca != cb ? ca > cb : a < b;
  };
  const int parents_wanted =
      std::max(2, static_cast<int>(options.population * options.parent_fraction));
  for (int generation = 0; generation < options.generations; ++generation) {
    std::sort(population.begin(), population.end(), by_contribution);
    if (static_cast<int>(population.size()) > parents_wanted) population.resize(parents_wanted);
    const std::vector<SchemeGenome> parents = population;
    const int children_wanted = options.population - static_cast<int>(parents.size());
    for (int child = 0; child < children_wanted; ++child) {
      for (int attempt = 0; attempt < kAttemptsPerChild; ++attempt) {
        const SchemeGenome& a = parents[uniform(0, static_cast<int>(parents.size()) - 1)];
        const SchemeGenome candidate =
            child % 2 == 0
                ? mutate(a)
                : mutate(crossover(a, parents[uniform(0, static_cast<int>(parents.size()) - 1)]));
        if (admit(candidate)) break;
      }
    }
    if (on_generation) on_generation(generation + 1, options.generations);
  }
  std::sort(population.begin(), population.end(), by_contribution);
  SchemeSearchResult result;
  result.genome = population.front();
  result.scheme = genome_scheme(table, result.genome);
  result.contribution = genome_contribution(table, result.genome);
  result.peak_sram_bytes = cache.peak(result.genome);
  result.planned = cache.planned();
  return result;
}

}  // namespace tinynas::nas
