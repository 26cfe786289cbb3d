// The contribution analysis of the scheme search (Tiny Training, Lin et al. 2022, section 2.3),
// on the host with LibTorch (supernet/float_graph.h): the accuracy gain over training the
// classifier's bias alone of updating the biases of the last k layers, and of updating each
// layer's weights at each ratio, each measured by a short fine-tune of the float model from the
// model's own weights on the user's data. No LibTorch in this header.
#pragma once

#include <cstdint>
#include <functional>

#include "datasets/model_inputs.h"
#include "engine/compiler/graph.h"
#include "nas/search/scheme_search.h"

namespace tinynas::nas {

struct ContributionOptions {
  int batches = 8;  // SGD steps per fine-tune
  int batch_size = 16;
  float learning_rate = 0.05f;
  uint64_t seed = 1;  // the batch order (the same for every fine-tune)
};

// How many fine-tunes measure_contributions runs for `graph` (the progress bar's total).
int contribution_fine_tunes(const compiler::Graph& graph);

// `train` feeds the fine-tunes, `evaluation` measures accuracy after each. Throws
// std::invalid_argument when a label is not a class of the model's classifier (naming both).
// `on_fine_tune(done, total)` reports progress.
ContributionTable measure_contributions(
    const compiler::Graph& graph, const datasets::ModelInputs& train,
    const datasets::ModelInputs& evaluation, const ContributionOptions& options,
    const std::function<void(int, int)>& on_fine_tune = nullptr);

}  // namespace tinynas::nas
