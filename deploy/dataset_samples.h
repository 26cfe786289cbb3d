// The test images of a search job's dataset (any kind datasets/ reads) as inputs of an exported
// model: each image centre-cropped and resized to the model's input, as the supernet evaluates
// it, and laid out NHWC with q = pixel - 128, the supernet's input quantization (scale
// 1 / (255 std), zero point round(255 mean) - 128; supernet/int8_lowering.cpp), so the model
// takes camera bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/runtime/model_reader.h"

namespace tinynas::deploy {

struct DatasetSamples {
  std::string description;  // what was read, for the verify line
  std::vector<std::vector<int8_t>> inputs;
  std::vector<int> labels;
};

// `count` test images of the job's "dataset" object (all of them when the split has no more),
// spread evenly over the split (datasets/spread_sample.h): a folder stored class by class still
// gives every class its share, so the verified accuracy estimates the test accuracy.
// Throws datasets::DatasetError naming the file, config::ConfigError for a bad object, and
// std::runtime_error when the images' channels are not the model input's.
DatasetSamples dataset_samples(const nlohmann::json& dataset, const runtime::TensorInfo& input,
                               std::size_t count);

}  // namespace tinynas::deploy
