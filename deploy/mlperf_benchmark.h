// `tinynas benchmark`: drives a device under test through the MLPerf Tiny protocol
// (profiler/mlperf_client.h) the way the benchmark's reference runner does.
//   performance: `windows` times download the input and run `infer N W`; the DUT's two
//                m-lap-us timestamps give each window's inferences per second; the figure is
//                the median over the windows (the runner's rule: 5 windows, >= 10 s in all).
//   accuracy:    every dataset sample is downloaded and run once (`infer 1 0`): top-1 for
//                classifiers; for one-score models (anomaly detection) also the ROC AUC with
//                label 1 as the anomalous class.
// Datasets (load_benchmark_dataset):
//   - a directory with y_labels.csv, the layout of the benchmark's own datasets
//     (datasets/mlperf_labels.h); each FILE holds the model's input bytes, already quantized
//     (int8, as the DUT takes them);
//   - a Fashion-MNIST directory (t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz), for
//     28x28x1 models, quantized with the model's input scale and zero point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "datasets/mlperf_labels.h"
#include "engine/runtime/model_reader.h"
#include "profiler/mlperf_client.h"

namespace tinynas::deploy {

using datasets::kMlperfLabelsFile;

struct BenchmarkDataset {
  std::string description;  // "fashion-mnist DIR" or "raw DIR/y_labels.csv"
  std::vector<std::vector<uint8_t>> inputs;
  std::vector<int> labels;
};

// Reads at most `max_samples` samples of `dir` for a model whose input tensor is `input`: all of
// them, or that many spread evenly over the dataset (datasets/spread_sample.h), the images
// `export --verify` takes. Every line of a labels file is checked, used or not.
// Throws std::runtime_error naming the file, the line and what was expected.
BenchmarkDataset load_benchmark_dataset(const std::string& dir, const runtime::TensorInfo& input,
                                        std::size_t max_samples);

struct PerformanceOptions {
  std::size_t windows = 5;
  uint32_t iterations = 0;  // inferences per window; 0: enough for window_seconds
  uint32_t warmups = 1;
  double window_seconds = 2.0;  // DUT time per window when iterations is 0 (5 x 2 s = 10 s)
};

struct PerformanceWindow {
  uint32_t iterations = 0;
  uint32_t warmups = 0;
  uint64_t elapsed_us = 0;
  double inferences_per_second = 0.0;
  std::vector<float> results;
};

struct PerformanceResult {
  std::vector<PerformanceWindow> windows;
  double median_inferences_per_second = 0.0;
  double latency_ms = 0.0;  // 1000 / median
};

PerformanceResult run_performance(profiler::MlperfClient& dut, const std::vector<uint8_t>& input,
                                  const PerformanceOptions& options);

struct AccuracyResult {
  std::size_t samples = 0;
  std::size_t top1_correct = 0;
  double top1 = 0.0;
  std::optional<double> auc;  // one-score models only
  std::vector<std::vector<float>> results;
};

// Called after each sample with (samples done, samples in all).
using AccuracyProgress = std::function<void(std::size_t, std::size_t)>;

AccuracyResult run_accuracy(profiler::MlperfClient& dut, const BenchmarkDataset& dataset,
                            const AccuracyProgress& progress = {});

// Area under the ROC curve of `scores` (higher = more anomalous) against `labels` (1 =
// anomalous, 0 = normal): the probability that an anomalous sample outscores a normal one, ties
// counting half. nullopt when one of the two classes is missing.
std::optional<double> roc_auc(const std::vector<float>& scores, const std::vector<int>& labels);

// Median of `values` (mean of the two middle ones for an even count); 0 for none.
double median(std::vector<double> values);

// Deterministic pseudo-random input bytes (xorshift32 from `seed`), for performance runs
// without a dataset.
std::vector<uint8_t> pseudo_random_input(std::size_t size, uint32_t seed);

// Where a benchmark ran, for every figure shown: "Linux 6.1 x86_64, AMD EPYC ... (2 cores)".
std::string describe_host_machine();

}  // namespace tinynas::deploy
