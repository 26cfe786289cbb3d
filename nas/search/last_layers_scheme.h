// The baseline a searched scheme is compared with at the same memory: fine-tuning the last k
// layers (weights and biases), k the largest whose training plan fits the budget. With no k
// that fits (not even the classifier), the classifier's bias alone, the least any training
// needs.
#pragma once

#include <cstdint>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/training_planner.h"
#include "engine/compiler/update_scheme.h"

namespace tinynas::nas {

struct LastLayersScheme {
  int k = 0;  // 0: the classifier's bias alone
  compiler::UpdateScheme scheme;
  int64_t peak_sram_bytes = 0;  // its training plan's peak
};

// Every k is planned (peaks need not grow with k: a deeper gradient chain can end where a
// shallower one peaked). Throws BudgetTooSmall (scheme_search.h) when even the classifier's
// bias does not fit.
LastLayersScheme largest_last_layers_scheme(const compiler::ValidatedGraph& graph,
                                            int64_t sram_bytes,
                                            const compiler::TrainingOptions& training = {});

}  // namespace tinynas::nas
