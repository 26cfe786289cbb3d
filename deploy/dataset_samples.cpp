#include "deploy/dataset_samples.h"

#include <stdexcept>

#include "datasets/dataset_config.h"
#include "datasets/dataset_source.h"
#include "datasets/image_geometry.h"

namespace tinynas::deploy {
namespace {
constexpr int kPixelToInt8Offset = 128;
}  // namespace

DatasetSamples dataset_samples(const nlohmann::json& dataset, const runtime::TensorInfo& input,
                               std::size_t count) {
  const datasets::DatasetConfig config =
      datasets::parse_dataset_config(dataset, "the search job's dataset");
  const auto parts = datasets::load_dataset(config);
  const datasets::LabeledImages& test = parts->test;
  const int height = input.shape.h;
  const int width = input.shape.w;
  const int channels = input.shape.c;
  if (test.channels != channels) {
    throw std::runtime_error(parts->description + ": images have " + std::to_string(test.channels) +
                             " channel(s), the model's input " + std::to_string(channels));
  }
  DatasetSamples samples;
  samples.description = "test split of " + parts->description;
  const datasets::CropBox box =
      datasets::center_crop_box(test.height, test.width, height, width, config.eval_crop);
  const std::size_t plane = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  std::vector<uint8_t> chw(plane * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < test.size() && i < count; ++i) {
    datasets::resize_box(test.image(i), channels, test.height, test.width, box, chw.data(), height,
                         width);
    std::vector<int8_t> nhwc(chw.size());
    for (std::size_t p = 0; p < plane; ++p) {
      for (int c = 0; c < channels; ++c) {
        nhwc[p * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] =
            static_cast<int8_t>(chw[static_cast<std::size_t>(c) * plane + p] - kPixelToInt8Offset);
      }
    }
    samples.inputs.push_back(std::move(nhwc));
    samples.labels.push_back(test.labels[i]);
  }
  return samples;
}

}  // namespace tinynas::deploy
