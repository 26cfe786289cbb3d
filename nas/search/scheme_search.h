// The sparse-update scheme search (Tiny Training, Lin et al. 2022, section 2.3), without
// LibTorch: given how much each update helps (a contribution table, measured by short fine-tunes
// in nas/supernet_backend/scheme_contribution.h), an evolutionary search picks the scheme with
// the largest summed contribution whose training plan (plan_training_memory of the exact
// training graph) fits the SRAM budget.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/training_planner.h"
#include "engine/compiler/update_scheme.h"

namespace tinynas::nas {

// The non-zero weight ratios a layer can take, in eighths (1/8, 1/4, 1/2, 1).
inline constexpr std::array<int, 4> kWeightRatioEighths = {1, 2, 4, 8};

// The accuracy gain of each update over the smallest scheme (the classifier's bias alone).
struct ContributionTable {
  std::vector<std::string> layers;  // the ops with weights, in op order (the classifier last)
  // bias_gain[k - 1]: updating the biases of the last k layers (k = 1: the classifier's alone,
  // the baseline, so 0 when measured).
  std::vector<double> bias_gain;
  // weight_gain[i][r]: updating layers[i]'s weights at kWeightRatioEighths[r] (with the
  // classifier's bias).
  std::vector<std::array<double, kWeightRatioEighths.size()>> weight_gain;
};

// The layers a scheme of `graph` may name: its ops with weights, in op order.
std::vector<std::string> trainable_layer_names(const compiler::Graph& graph);

// One candidate: the biases of the last `bias_depth` layers (at least 1: every scheme trains the
// classifier's bias) and per layer an index into kWeightRatioEighths plus one (0: frozen).
struct SchemeGenome {
  int bias_depth = 1;
  std::vector<int> ratio;
  bool operator<(const SchemeGenome& other) const {
    return bias_depth != other.bias_depth ? bias_depth < other.bias_depth : ratio < other.ratio;
  }
};

compiler::UpdateScheme genome_scheme(const ContributionTable& table, const SchemeGenome& genome);
double genome_contribution(const ContributionTable& table, const SchemeGenome& genome);

struct SchemeSearchOptions {
  int64_t sram_bytes = 0;  // the training plan's peak must not exceed it
  int population = 48;
  int generations = 30;
  double parent_fraction = 0.25;
  double mutation_probability = 0.1;  // per gene
  uint64_t seed = 1;
  compiler::TrainingOptions training;
};

struct SchemeSearchResult {
  compiler::UpdateScheme scheme;
  SchemeGenome genome;
  double contribution = 0;
  int64_t peak_sram_bytes = 0;  // the plan of the chosen scheme's training graph
  int planned = 0;              // distinct schemes planned
};

// A budget below what any training of the model needs (minimum_training_bytes).
class BudgetTooSmall : public std::invalid_argument {
 public:
  BudgetTooSmall(int64_t budget, int64_t minimum);
  int64_t minimum;
};

// `on_generation(done, total)` reports progress. Throws BudgetTooSmall when even the
// classifier's bias does not fit, std::invalid_argument when the table does not match the
// graph's layers.
SchemeSearchResult search_update_scheme(
    const compiler::ValidatedGraph& graph, const ContributionTable& table,
    const SchemeSearchOptions& options,
    const std::function<void(int, int)>& on_generation = nullptr);

}  // namespace tinynas::nas
