#include "nas/supernet_backend/scheme_contribution.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/update_scheme.h"
#include "supernet/float_graph.h"
#include "supernet/float_graph_accuracy.h"

namespace tinynas::nas {
namespace {

class FineTuner {
 public:
  FineTuner(const compiler::Graph& graph, const datasets::ModelInputs& train,
            const datasets::ModelInputs& evaluation, const ContributionOptions& options)
      : graph_(graph), model_(graph), train_(train), evaluation_(evaluation), options_(options) {
    order_.resize(train.size());
    std::iota(order_.begin(), order_.end(), size_t{0});
    std::mt19937_64 rng(options.seed);
    std::shuffle(order_.begin(), order_.end(), rng);
  }

  // Accuracy on the evaluation inputs after a fine-tune of `scheme` from the model's weights.
  double accuracy_after(const compiler::UpdateScheme& scheme) {
    model_.reset();
    model_.set_trained(compiler::resolve_scheme(graph_, scheme, "contribution analysis"));
    const size_t elements = static_cast<size_t>(model_.input_elements());
    size_t next = 0;
    for (int step = 0; step < options_.batches; ++step) {
      std::vector<size_t> indices;
      for (int i = 0; i < options_.batch_size; ++i, ++next) {
        indices.push_back(order_[next % order_.size()]);
      }
      const supernet::InputBatch batch = supernet::gather_inputs(train_, indices, elements);
      model_.train_step(batch.bytes, batch.labels, options_.learning_rate);
    }
    return supernet::float_graph_accuracy(model_, evaluation_);
  }

 private:
  const compiler::Graph& graph_;
  supernet::FloatGraphModel model_;
  const datasets::ModelInputs& train_;
  const datasets::ModelInputs& evaluation_;
  const ContributionOptions& options_;
  std::vector<size_t> order_;
};

}  // namespace

int contribution_fine_tunes(const compiler::Graph& graph) {
  const int layers = static_cast<int>(trainable_layer_names(graph).size());
  return layers + layers * static_cast<int>(kWeightRatioEighths.size());
}

ContributionTable measure_contributions(const compiler::Graph& graph,
                                        const datasets::ModelInputs& train,
                                        const datasets::ModelInputs& evaluation,
                                        const ContributionOptions& options,
                                        const std::function<void(int, int)>& on_fine_tune) {
  ContributionTable table;
  table.layers = trainable_layer_names(graph);
  if (table.layers.empty()) throw std::invalid_argument("the model has no layer with weights");
  FineTuner tuner(graph, train, evaluation, options);
  const int classes = supernet::FloatGraphModel(graph).classes();
  supernet::check_input_labels(train, classes, "training");
  supernet::check_input_labels(evaluation, classes, "evaluation");
  const int layers = static_cast<int>(table.layers.size());
  const int total = contribution_fine_tunes(graph);
  int done = 0;
  auto report = [&] {
    if (on_fine_tune) on_fine_tune(++done, total);
  };
  // The baseline and each bias depth: the biases of the last k layers.
  compiler::UpdateScheme biases;
  double baseline = 0;
  for (int k = 1; k <= layers; ++k) {
    biases.layers.insert(biases.layers.begin(), {table.layers[layers - k], true, 0});
    const double accuracy = tuner.accuracy_after(biases);
    if (k == 1) baseline = accuracy;
    table.bias_gain.push_back(accuracy - baseline);
    report();
  }
  // Each layer's weights at each ratio, with the classifier's bias (the baseline's update).
  const std::string& classifier = table.layers.back();
  for (int i = 0; i < layers; ++i) {
    std::array<double, kWeightRatioEighths.size()> gains{};
    for (size_t r = 0; r < kWeightRatioEighths.size(); ++r) {
      compiler::UpdateScheme scheme;
      const bool is_classifier = table.layers[i] == classifier;
      scheme.layers.push_back({table.layers[i], is_classifier, kWeightRatioEighths[r]});
      if (!is_classifier) scheme.layers.push_back({classifier, true, 0});
      gains[r] = tuner.accuracy_after(scheme) - baseline;
      report();
    }
    table.weight_gain.push_back(gains);
  }
  return table;
}

}  // namespace tinynas::nas
