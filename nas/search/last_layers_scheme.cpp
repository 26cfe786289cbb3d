#include "nas/search/last_layers_scheme.h"

#include "nas/search/scheme_search.h"

namespace tinynas::nas {

LastLayersScheme largest_last_layers_scheme(const compiler::ValidatedGraph& graph,
                                            int64_t sram_bytes,
                                            const compiler::TrainingOptions& training) {
  LastLayersScheme best;
  best.scheme = compiler::classifier_bias_scheme(graph.graph());
  best.peak_sram_bytes =
      compiler::plan_training_memory(graph, best.scheme, training).plan.peak_sram_bytes();
  if (best.peak_sram_bytes > sram_bytes) throw BudgetTooSmall(sram_bytes, best.peak_sram_bytes);
  const int layers = static_cast<int>(trainable_layer_names(graph.graph()).size());
  for (int k = 1; k <= layers; ++k) {
    const compiler::UpdateScheme scheme = compiler::last_layers_scheme(graph.graph(), k);
    const int64_t peak =
        compiler::plan_training_memory(graph, scheme, training).plan.peak_sram_bytes();
    if (peak <= sram_bytes) best = {k, scheme, peak};
  }
  return best;
}

}  // namespace tinynas::nas
