#include "deploy/mlperf_benchmark.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "datasets/fashion_mnist.h"
#include "datasets/mlperf_labels.h"
#include "datasets/spread_sample.h"
#include "deploy/export_verify.h"

namespace tinynas::deploy {

namespace fs = std::filesystem;

namespace {

constexpr double kMicrosecondsPerSecond = 1e6;
constexpr uint32_t kMaxIterations = 1000000;

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

BenchmarkDataset load_raw_dataset(const fs::path& dir, const runtime::TensorInfo& input,
                                  std::size_t max_samples) {
  const fs::path labels_path = dir / kMlperfLabelsFile;
  std::ifstream labels(labels_path);
  if (!labels) throw std::runtime_error(labels_path.string() + ": cannot read");
  // Every line is checked, so a bad line is reported whichever samples are used.
  const std::vector<datasets::MlperfLabel> samples =
      datasets::parse_mlperf_labels(labels, labels_path.string());
  BenchmarkDataset dataset;
  dataset.description = "raw " + labels_path.string();
  for (const std::size_t index : datasets::spread_sample_indices(samples.size(), max_samples)) {
    const datasets::MlperfLabel& sample = samples[index];
    const fs::path file = dir / sample.file;
    std::ifstream in(file, std::ios::binary);
    if (!in || fs::is_directory(file)) {
      throw std::runtime_error(labels_path.string() + ":" + std::to_string(sample.line) +
                               ": cannot read " + file.string());
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    if (bytes.size() != input.size_bytes) {
      throw std::runtime_error(file.string() + ": expected " + std::to_string(input.size_bytes) +
                               " bytes (the model's input), found " + std::to_string(bytes.size()));
    }
    dataset.inputs.push_back(std::move(bytes));
    dataset.labels.push_back(sample.label);
  }
  return dataset;
}

}  // namespace

BenchmarkDataset load_benchmark_dataset(const std::string& dir, const runtime::TensorInfo& input,
                                        std::size_t max_samples) {
  if (fs::is_regular_file(fs::path(dir) / kMlperfLabelsFile)) {
    return load_raw_dataset(dir, input, max_samples);
  }
  if (input.shape.h != datasets::kFashionMnistSide ||
      input.shape.w != datasets::kFashionMnistSide || input.shape.c != 1) {
    throw std::runtime_error(dir + ": no " + kMlperfLabelsFile +
                             ", and Fashion-MNIST images need a 28x28x1 model input (this model "
                             "takes " +
                             std::to_string(input.shape.h) + "x" + std::to_string(input.shape.w) +
                             "x" + std::to_string(input.shape.c) + ")");
  }
  const datasets::LabeledImages images =
      datasets::read_fashion_mnist(dir, datasets::FashionMnistPart::kTest);
  BenchmarkDataset dataset;
  dataset.description = "fashion-mnist " + dir;
  const std::size_t pixels = images.image_bytes();
  for (const std::size_t i : datasets::spread_sample_indices(images.size(), max_samples)) {
    std::vector<uint8_t> bytes(pixels);
    for (std::size_t k = 0; k < pixels; ++k) {
      bytes[k] = static_cast<uint8_t>(
          quantize_fashion_mnist_pixel(images.image(i)[k], input.scale, input.zero_point));
    }
    dataset.inputs.push_back(std::move(bytes));
    dataset.labels.push_back(images.labels[i]);
  }
  return dataset;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2.0;
}

PerformanceResult run_performance(profiler::MlperfClient& dut, const std::vector<uint8_t>& input,
                                  const PerformanceOptions& options) {
  if (options.windows == 0) throw std::runtime_error("performance mode needs at least 1 window");
  uint32_t iterations = options.iterations;
  if (iterations == 0) {
    // One timed inference tells how many fill a window of DUT time.
    dut.load(input);
    const profiler::MlperfInference probe = dut.infer(1, 0);
    const double seconds =
        std::max<double>(1.0, static_cast<double>(probe.elapsed_us())) / kMicrosecondsPerSecond;
    iterations = static_cast<uint32_t>(
        std::clamp(std::ceil(options.window_seconds / seconds), 1.0, double{kMaxIterations}));
  }
  PerformanceResult result;
  std::vector<double> rates;
  for (std::size_t w = 0; w < options.windows; ++w) {
    dut.load(input);
    const profiler::MlperfInference inference = dut.infer(iterations, options.warmups);
    PerformanceWindow window;
    window.iterations = iterations;
    window.warmups = options.warmups;
    window.elapsed_us = inference.elapsed_us();
    window.inferences_per_second =
        window.elapsed_us == 0
            ? 0.0
            : iterations * kMicrosecondsPerSecond / static_cast<double>(window.elapsed_us);
    window.results = inference.results;
    rates.push_back(window.inferences_per_second);
    result.windows.push_back(std::move(window));
  }
  result.median_inferences_per_second = median(rates);
  result.latency_ms =
      result.median_inferences_per_second > 0 ? 1000.0 / result.median_inferences_per_second : 0.0;
  return result;
}

std::optional<double> roc_auc(const std::vector<float>& scores, const std::vector<int>& labels) {
  double wins = 0.0;
  std::size_t positives = 0;
  std::size_t negatives = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (labels[i] != 0) {
      ++positives;
    } else {
      ++negatives;
    }
  }
  if (positives == 0 || negatives == 0) return std::nullopt;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (labels[i] == 0) continue;
    for (std::size_t k = 0; k < scores.size(); ++k) {
      if (labels[k] != 0) continue;
      wins += scores[i] > scores[k] ? 1.0 : scores[i] == scores[k] ? 0.5 : 0.0;
    }
  }
  return wins / (static_cast<double>(positives) * static_cast<double>(negatives));
}

AccuracyResult run_accuracy(profiler::MlperfClient& dut, const BenchmarkDataset& dataset,
                            const AccuracyProgress& progress) {
  AccuracyResult result;
  std::vector<float> scores;
  for (std::size_t i = 0; i < dataset.inputs.size(); ++i) {
    dut.load(dataset.inputs[i]);
    const profiler::MlperfInference inference = dut.infer(1, 0);
    if (inference.results.empty()) {
      throw profiler::MlperfError(dut.port() + ": sample " + std::to_string(i) +
                                  ": m-results-[] holds no scores");
    }
    const auto best = std::max_element(inference.results.begin(), inference.results.end());
    const int predicted = static_cast<int>(best - inference.results.begin());
    if (inference.results.size() > 1 && predicted == dataset.labels[i]) ++result.top1_correct;
    scores.push_back(inference.results.front());
    result.results.push_back(inference.results);
    ++result.samples;
    if (progress) progress(result.samples, dataset.inputs.size());
  }
  const bool one_score = !result.results.empty() && result.results.front().size() == 1;
  if (one_score) {
    result.auc = roc_auc(scores, dataset.labels);
  } else {
    result.top1 = result.samples == 0 ? 0.0
                                      : static_cast<double>(result.top1_correct) /
                                            static_cast<double>(result.samples);
  }
  return result;
}

std::vector<uint8_t> pseudo_random_input(std::size_t size, uint32_t seed) {
  std::vector<uint8_t> bytes(size);
  uint32_t state = seed == 0 ? 1 : seed;
  for (uint8_t& byte : bytes) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    byte = static_cast<uint8_t>(state >> 24);
  }
  return bytes;
}

std::string describe_host_machine() {
  std::string cpu = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) cpu = trim(line.substr(colon + 1));
      break;
    }
  }
  utsname system{};
  std::string os = "unknown OS";
  if (::uname(&system) == 0) {
    os = std::string(system.sysname) + " " + system.release + " " + system.machine;
  }
  return os + ", " + cpu + " (" + std::to_string(std::thread::hardware_concurrency()) + " cores)";
}

}  // namespace tinynas::deploy
