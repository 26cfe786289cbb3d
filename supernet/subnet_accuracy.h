// Accuracy of subnets of a trained supernet checkpoint, float or int8 on the host engine: what
// `tinynas eval` prints and what the search asks for every candidate. No LibTorch in this
// header (pimpl), so nas/ and apps/ compile without it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "space/search_space.h"
#include "space/subnet_config.h"

namespace tinynas::supernet {

struct AccuracyOptions {
  std::string split = "test";        // "test" or "validation"
  std::string dataset_path;          // overrides the job's dataset path when not empty
  int calibration_batches = 0;       // BN recalibration batches; 0: the job's
  int batch_size = 0;                // 0: the job's eval batch size
  int int8_calibration_batches = 8;  // activation-range batches for int8 quantization
  int threads = 0;                   // 0: LibTorch's default
  // > 0: only this many of the split's images, spread evenly over it as `export --verify`
  // sends them (datasets/spread_sample.h).
  int64_t sample_images = 0;
};

struct SubnetAccuracy {
  double float_accuracy = 0.0;          // [0, 1]
  std::optional<double> int8_accuracy;  // host engine, when asked for
  int64_t images = 0;
  std::string dataset;  // e.g. "fashion-mnist/test"
  // Per image, in the split's order: its label and the top-1 class of the float model and (when
  // int8 was asked for) of the int8 model, so two networks can be compared image by image.
  std::vector<int> labels;
  std::vector<int> float_predictions;
  std::vector<int> int8_predictions;
};

class SubnetAccuracyEvaluator {
 public:
  // Loads the checkpoint (folder, metadata.json or supernet.pt) and its job's dataset.
  SubnetAccuracyEvaluator(const std::string& checkpoint, const AccuracyOptions& options = {});
  ~SubnetAccuracyEvaluator();
  SubnetAccuracyEvaluator(const SubnetAccuracyEvaluator&) = delete;
  SubnetAccuracyEvaluator& operator=(const SubnetAccuracyEvaluator&) = delete;

  const space::SearchSpace& space() const;
  // BN-recalibrated float accuracy; with `int8`, also the accuracy of the quantized model run
  // by the host engine. When `model_path` is given the .tnm file is written there.
  SubnetAccuracy evaluate(const space::SubnetConfig& subnet, bool int8 = false,
                          const std::string& model_path = "");

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tinynas::supernet
