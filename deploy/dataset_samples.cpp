#include "deploy/dataset_samples.h"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "datasets/dataset_config.h"
#include "datasets/dataset_source.h"
#include "datasets/labeled_images.h"
#include "datasets/model_inputs.h"
#include "datasets/spread_sample.h"

namespace tinynas::deploy {

DatasetSamples dataset_samples(const nlohmann::json& dataset, const runtime::TensorInfo& input,
                               std::size_t count) {
  const datasets::DatasetConfig config =
      datasets::parse_dataset_config(dataset, "the search job's dataset");
  const auto parts = datasets::load_dataset(config);
  const datasets::LabeledImages& split = parts->test;
  const datasets::LabeledImages test =
      datasets::select_images(split, datasets::spread_sample_indices(split.size(), count));
  const std::string spread =
      test.size() < split.size()
          ? ", spread evenly over its " + std::to_string(split.size()) + " images"
          : "";
  if (test.channels != input.shape.c) {
    throw std::runtime_error(parts->description + ": images have " + std::to_string(test.channels) +
                             " channel(s), the model's input " + std::to_string(input.shape.c));
  }
  datasets::ModelInputs inputs = datasets::model_inputs(test, input.shape.h, input.shape.w,
                                                        input.shape.c, config.eval_crop, count);
  DatasetSamples samples;
  samples.description = "test split of " + parts->description + spread;
  const std::size_t bytes = static_cast<std::size_t>(input.shape.h) *
                            static_cast<std::size_t>(input.shape.w) *
                            static_cast<std::size_t>(input.shape.c);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    samples.inputs.emplace_back(
        inputs.bytes.begin() + static_cast<std::ptrdiff_t>(i * bytes),
        inputs.bytes.begin() + static_cast<std::ptrdiff_t>((i + 1) * bytes));
  }
  samples.labels = std::move(inputs.labels);
  return samples;
}

}  // namespace tinynas::deploy
