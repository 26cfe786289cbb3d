#include "nas/supernet_backend/float_fine_tune.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "supernet/float_graph.h"
#include "supernet/float_graph_accuracy.h"

namespace tinynas::nas {

FloatFineTuneResult float_fine_tune(const compiler::Graph& graph,
                                    const compiler::UpdateScheme& scheme,
                                    const datasets::ModelInputs& train,
                                    const datasets::ModelInputs& test,
                                    const FloatFineTuneOptions& options,
                                    const std::function<void(int, int)>& on_step) {
  supernet::FloatGraphModel model(graph);
  supernet::check_input_labels(train, model.classes(), "training");
  supernet::check_input_labels(test, model.classes(), "test");
  model.set_trained(compiler::resolve_scheme(graph, scheme));
  FloatFineTuneResult result;
  result.accuracy_before = supernet::float_graph_accuracy(model, test);
  const size_t elements = static_cast<size_t>(model.input_elements());
  const size_t batch_size = static_cast<size_t>(std::max(1, options.batch_size));
  const size_t steps_per_epoch = (train.size() + batch_size - 1) / batch_size;
  const int total = options.epochs * static_cast<int>(steps_per_epoch);
  std::vector<size_t> order(train.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 random(options.seed);
  int done = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), random);
    double loss = 0.0;
    for (size_t begin = 0; begin < order.size(); begin += batch_size) {
      const std::vector<size_t> indices(
          order.begin() + static_cast<std::ptrdiff_t>(begin),
          order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), begin + batch_size)));
      const supernet::InputBatch batch = supernet::gather_inputs(train, indices, elements);
      loss += model.train_step(batch.bytes, batch.labels, options.learning_rate);
      if (on_step) on_step(++done, total);
    }
    result.epoch_losses.push_back(loss / static_cast<double>(steps_per_epoch));
  }
  result.accuracy_after = supernet::float_graph_accuracy(model, test);
  return result;
}

}  // namespace tinynas::nas
