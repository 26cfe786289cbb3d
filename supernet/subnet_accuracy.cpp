#include "supernet/subnet_accuracy.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "datasets/spread_sample.h"
#include "engine/compiler/host_runner.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "supernet/checkpoint.h"
#include "supernet/int8_lowering.h"
#include "supernet/job_datasets.h"
#include "supernet/subnet_evaluation.h"
#include "supernet/subnet_extraction.h"
#include "supernet/training_job.h"

namespace tinynas::supernet {
namespace {
// The seed of BN recalibration batches when the checkpoint's job names none.
constexpr uint64_t kCalibrationSeedOffset = 29;
}  // namespace

struct SubnetAccuracyEvaluator::State {
  OFASupernet net{nullptr};
  JobDatasets data;
  const ImageDataset* evaluation = nullptr;
  ImageDataset sample;  // the evaluated images when AccuracyOptions::sample_images > 0
  int calibration_batches = 0;
  int batch_size = 0;
  int int8_calibration_batches = 0;
  uint64_t seed = 0;
};

SubnetAccuracyEvaluator::SubnetAccuracyEvaluator(const std::string& checkpoint,
                                                 const AccuracyOptions& options)
    : state_(std::make_unique<State>()) {
  if (options.threads > 0) torch::set_num_threads(options.threads);
  const std::string dir = checkpoint_dir(checkpoint);
  const nlohmann::json metadata = read_checkpoint_metadata(dir);
  state_->net = load_supernet_checkpoint(dir);
  const nlohmann::json& job = metadata.at("job");
  nlohmann::json dataset_object = job.at("dataset");
  if (!options.dataset_path.empty()) dataset_object["path"] = options.dataset_path;
  const DatasetConfig dataset =
      datasets::parse_dataset_config(dataset_object, dir + ": the training job's dataset");
  state_->seed = job.value("seed", uint64_t{0});
  state_->data = load_job_datasets(dataset, state_->net->space(), state_->seed);
  if (options.split == "test") {
    state_->evaluation = &state_->data.test;
  } else if (options.split == "validation") {
    state_->evaluation = &state_->data.validation;
  } else {
    throw std::invalid_argument("split: expected \"test\" or \"validation\", found \"" +
                                options.split + "\"");
  }
  if (options.sample_images < 0 ||
      options.sample_images > static_cast<int64_t>(state_->evaluation->size())) {
    throw std::invalid_argument(
        "sample_images: expected 0.." + std::to_string(state_->evaluation->size()) + " (the " +
        state_->evaluation->name + " images), found " + std::to_string(options.sample_images));
  }
  if (options.sample_images > 0) {
    state_->sample =
        subset(*state_->evaluation,
               datasets::spread_sample_indices(state_->evaluation->size(),
                                               static_cast<std::size_t>(options.sample_images)));
    state_->sample.name = state_->evaluation->name;
    state_->evaluation = &state_->sample;
  }
  state_->calibration_batches = options.calibration_batches > 0
                                    ? options.calibration_batches
                                    : job.at("bn_calibration_batches").get<int>();
  state_->batch_size =
      options.batch_size > 0 ? options.batch_size : job.at("eval_batch_size").get<int>();
  state_->int8_calibration_batches = options.int8_calibration_batches;
}

SubnetAccuracyEvaluator::~SubnetAccuracyEvaluator() = default;

const space::SearchSpace& SubnetAccuracyEvaluator::space() const { return state_->net->space(); }

SubnetAccuracy SubnetAccuracyEvaluator::evaluate(const space::SubnetConfig& subnet, bool int8,
                                                 const std::string& model_path) {
  State& s = *state_;
  OFASupernetImpl& net = *s.net;
  const std::vector<torch::Tensor> saved = copy_buffers(net);
  net.set_active_subnet(subnet);
  recalibrate_batch_norm(net, s.data.train, s.calibration_batches, s.batch_size,
                         s.seed + kCalibrationSeedOffset);
  SubnetAccuracy result;
  result.dataset = s.evaluation->name;
  result.images = static_cast<int64_t>(s.evaluation->size());
  AccuracyResult float_result = evaluate_accuracy(
      [&net](const torch::Tensor& x) { return net.forward(x); }, *s.evaluation, s.batch_size);
  result.float_accuracy = float_result.accuracy;
  result.float_predictions = std::move(float_result.predictions);
  result.labels.assign(s.evaluation->labels.begin(), s.evaluation->labels.end());
  if (int8) {
    const StandaloneNetwork network = extract_subnet(net, subnet);
    const compiler::Graph graph =
        lower_to_int8_graph(network, s.data.train, s.int8_calibration_batches, s.batch_size);
    const std::vector<uint8_t> bytes = write_int8_model(graph);
    if (!model_path.empty()) compiler::write_model_file(model_path, bytes);
    const compiler::LoadedModel model(bytes, "int8 subnet " + space::describe_subnet(subnet));
    const InputQuantization input = input_quantization(*s.evaluation);
    compiler::HostRunOptions run;
    run.pattern = compiler::InputPattern::kBytes;
    int64_t correct = 0;
    for (size_t i = 0; i < s.evaluation->size(); ++i) {
      run.input = quantize_image(*s.evaluation, i, input);
      const compiler::HostRunResult out = compiler::run_on_host(model, run);
      const auto best = std::max_element(out.output.begin(), out.output.end());
      const int predicted = static_cast<int>(best - out.output.begin());
      result.int8_predictions.push_back(predicted);
      correct += predicted == s.evaluation->labels[i] ? 1 : 0;
    }
    result.int8_accuracy = static_cast<double>(correct) / static_cast<double>(result.images);
  }
  restore_buffers(net, saved);
  return result;
}

}  // namespace tinynas::supernet
