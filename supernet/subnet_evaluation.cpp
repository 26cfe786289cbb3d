#include "supernet/subnet_evaluation.h"

#include <algorithm>

#include "supernet/data_batches.h"

namespace tinynas::supernet {

void recalibrate_batch_norm(OFASupernetImpl& net, const ImageDataset& train, int batches,
                            int batch_size, uint64_t seed) {
  torch::NoGradGuard no_grad;
  const std::vector<size_t> order = shuffled_order(train.size(), seed);
  const size_t available = train.size() / static_cast<size_t>(batch_size);
  const size_t count =
      std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(batches), available));
  net.eval();
  net.start_batch_norm_recalibration();
  for (size_t b = 0; b < count; ++b) {
    const size_t begin = b * static_cast<size_t>(batch_size);
    const size_t end = std::min(train.size(), begin + static_cast<size_t>(batch_size));
    net.forward(make_batch(train, order, begin, end).images);
  }
  net.stop_batch_norm_recalibration();
}

AccuracyResult evaluate_accuracy(const ForwardFunction& forward, const ImageDataset& dataset,
                                 int batch_size) {
  torch::NoGradGuard no_grad;
  const std::vector<size_t> order = sequential_order(dataset.size());
  int64_t correct = 0;
  double loss_sum = 0.0;
  std::vector<int> predictions;
  predictions.reserve(dataset.size());
  for (size_t begin = 0; begin < dataset.size(); begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(dataset.size(), begin + static_cast<size_t>(batch_size));
    const Batch batch = make_batch(dataset, order, begin, end);
    const torch::Tensor logits = forward(batch.images);
    const torch::Tensor top1 = logits.argmax(1);
    correct += top1.eq(batch.labels).sum().item<int64_t>();
    const torch::Tensor classes = top1.to(torch::kCPU, torch::kInt32).contiguous();
    predictions.insert(predictions.end(), classes.data_ptr<int32_t>(),
                       classes.data_ptr<int32_t>() + classes.numel());
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, batch.labels,
                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
  }
  AccuracyResult result;
  result.images = static_cast<int64_t>(dataset.size());
  result.predictions = std::move(predictions);
  if (result.images > 0) {
    result.accuracy = static_cast<double>(correct) / static_cast<double>(result.images);
    result.loss = loss_sum / static_cast<double>(result.images);
  }
  return result;
}

std::vector<torch::Tensor> copy_buffers(torch::nn::Module& module) {
  std::vector<torch::Tensor> saved;
  for (const torch::Tensor& buffer : module.buffers()) saved.push_back(buffer.clone());
  return saved;
}

void restore_buffers(torch::nn::Module& module, const std::vector<torch::Tensor>& saved) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> buffers = module.buffers();
  for (size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(saved.at(i));
}

AccuracyResult evaluate_subnet(OFASupernetImpl& net, const space::SubnetConfig& subnet,
                               const ImageDataset& train, const ImageDataset& evaluation,
                               int calibration_batches, int batch_size, uint64_t seed) {
  const bool was_training = net.is_training();
  const space::SubnetConfig previous = net.active_subnet();
  const std::vector<torch::Tensor> saved = copy_buffers(net);
  net.set_active_subnet(subnet);
  recalibrate_batch_norm(net, train, calibration_batches, batch_size, seed);
  const AccuracyResult result = evaluate_accuracy(
      [&net](const torch::Tensor& x) { return net.forward(x); }, evaluation, batch_size);
  restore_buffers(net, saved);
  net.set_active_subnet(previous);
  net.train(was_training);
  return result;
}

}  // namespace tinynas::supernet
