#include "supernet/float_graph_accuracy.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tinynas::supernet {
namespace {
constexpr size_t kEvaluationBatch = 64;
}  // namespace

InputBatch gather_inputs(const datasets::ModelInputs& inputs, const std::vector<size_t>& indices,
                         size_t elements) {
  InputBatch batch;
  batch.bytes.reserve(indices.size() * elements);
  for (const size_t index : indices) {
    const auto begin = inputs.bytes.begin() + static_cast<std::ptrdiff_t>(index * elements);
    batch.bytes.insert(batch.bytes.end(), begin, begin + static_cast<std::ptrdiff_t>(elements));
    batch.labels.push_back(inputs.labels[index]);
  }
  return batch;
}

void check_input_labels(const datasets::ModelInputs& inputs, int classes, const char* what) {
  for (const int label : inputs.labels) {
    if (label < 0 || label >= classes) {
      throw std::invalid_argument(std::string("the ") + what + " images have label " +
                                  std::to_string(label) + ", the model's classifier " +
                                  std::to_string(classes) + " classes");
    }
  }
  if (inputs.size() == 0) throw std::invalid_argument(std::string("no ") + what + " images");
}

double float_graph_accuracy(const FloatGraphModel& model, const datasets::ModelInputs& inputs) {
  if (inputs.size() == 0) return 0.0;
  const size_t elements = static_cast<size_t>(model.input_elements());
  const int classes = model.classes();
  size_t correct = 0;
  for (size_t begin = 0; begin < inputs.size(); begin += kEvaluationBatch) {
    const size_t end = std::min(inputs.size(), begin + kEvaluationBatch);
    const std::vector<int8_t> bytes(
        inputs.bytes.begin() + static_cast<std::ptrdiff_t>(begin * elements),
        inputs.bytes.begin() + static_cast<std::ptrdiff_t>(end * elements));
    const std::vector<float> logits = model.logits(bytes, static_cast<int>(end - begin));
    for (size_t i = begin; i < end; ++i) {
      const auto row = logits.begin() + static_cast<std::ptrdiff_t>((i - begin) * classes);
      const int predicted = static_cast<int>(std::max_element(row, row + classes) - row);
      if (predicted == inputs.labels[i]) ++correct;
    }
  }
  return static_cast<double>(correct) / static_cast<double>(inputs.size());
}

}  // namespace tinynas::supernet
