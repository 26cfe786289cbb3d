// Training throughput (images/s) of the largest and smallest subnets of a search space: one
// SGD step = forward, backward and update on a random batch, as the trainer does it, on the
// CPU threads LibTorch is given. Compare with the same network in PyTorch on the same machine:
// --arch-dir DIR writes the two subnets' architecture files (largest.arch.json,
// smallest.arch.json) for bench/train_bench_pytorch.py; bench/train_throughput.py runs both.
//
//   train_bench [SPACE.json] [--threads N] [--steps N] [--arch-dir DIR]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "space/search_space.h"
#include "space/subnet_config.h"
#include "supernet/ofa_supernet.h"
#include "supernet/progressive_shrinking.h"

namespace {

using tinynas::space::SubnetConfig;

constexpr int kWarmupSteps = 3;
constexpr int kDefaultSteps = 20;
constexpr double kLearningRate = 0.01;
constexpr double kMomentum = 0.9;
constexpr int kBatchSizes[] = {64, 128, 256};

double images_per_second(tinynas::supernet::OFASupernet& net, const SubnetConfig& subnet,
                         int batch_size, int steps) {
  net->train();
  net->set_active_subnet(subnet);
  const auto& space = net->space();
  torch::optim::SGD sgd(net->parameters(),
                        torch::optim::SGDOptions(kLearningRate).momentum(kMomentum));
  const torch::Tensor images =
      torch::randn({batch_size, space.input_channels, space.resolution, space.resolution});
  const torch::Tensor labels = torch::randint(space.num_classes, {batch_size}, torch::kInt64);
  auto step = [&] {
    sgd.zero_grad();
    torch::nn::functional::cross_entropy(net->forward(images), labels).backward();
    sgd.step();
  };
  for (int i = 0; i < kWarmupSteps; ++i) step();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(batch_size) * steps / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::string space_path = std::string(TINYNAS_SOURCE_DIR) + "/configs/spaces/fmnist-r28-w1.0.json";
  int threads = 0;
  int steps = kDefaultSteps;
  std::string arch_dir;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
      steps = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--arch-dir") == 0 && i + 1 < argc) {
      arch_dir = argv[++i];
    } else {
      space_path = argv[i];
    }
  }
  if (threads > 0) torch::set_num_threads(threads);
  const tinynas::space::SearchSpace space = tinynas::space::load_search_space(space_path);
  const SubnetConfig largest = tinynas::space::largest_subnet(space);
  const SubnetConfig smallest = tinynas::space::smallest_subnet(space);
  if (!arch_dir.empty()) {
    using tinynas::supernet::kLargestArchFile;
    using tinynas::supernet::kSmallestArchFile;
    tinynas::space::save_subnet_arch(space, largest, arch_dir + "/" + kLargestArchFile, "largest");
    tinynas::space::save_subnet_arch(space, smallest, arch_dir + "/" + kSmallestArchFile,
                                     "smallest");
  }
  torch::manual_seed(0);
  tinynas::supernet::OFASupernet net(space);
  std::printf("space %s, %d threads, %d steps per figure\n", space.name.c_str(),
              torch::get_num_threads(), steps);
  std::printf("%-10s %8s %14s\n", "subnet", "batch", "images/s");
  for (const auto& [name, subnet] :
       {std::pair{"largest", largest}, std::pair{"smallest", smallest}}) {
    for (int batch : kBatchSizes) {
      std::printf("%-10s %8d %14.0f\n", name, batch, images_per_second(net, subnet, batch, steps));
      std::fflush(stdout);
    }
  }
  return 0;
}
