#include "distributed/synchronized_batch_norm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>
#include <vector>

#include "distributed/local_launcher.h"
#include "distributed/process_group.h"

namespace tinynas::distributed {
namespace {

constexpr int kRanks = 2;
constexpr int64_t kBatch = 8, kChannels = 3, kSide = 5;
constexpr double kMomentum = 0.1, kEps = 1e-5;
constexpr double kTolerance = 1e-5;

struct Pass {
  torch::Tensor output, grad_input, grad_weight, grad_bias, running_mean, running_var;
};

// Batch norm in training mode over `input`, then the backward pass of sum(output * upstream).
template <typename Norm>
Pass run_pass(const torch::Tensor& input_values, const torch::Tensor& upstream, Norm norm) {
  torch::Tensor input = input_values.clone().requires_grad_(true);
  torch::Tensor weight = torch::linspace(0.5, 1.5, kChannels).requires_grad_(true);
  torch::Tensor bias = torch::linspace(-0.2, 0.2, kChannels).requires_grad_(true);
  Pass pass{torch::Tensor(), torch::Tensor(),           torch::Tensor(),
            torch::Tensor(), torch::zeros({kChannels}), torch::ones({kChannels})};
  pass.output = norm(input, weight, bias, pass.running_mean, pass.running_var);
  (pass.output * upstream).sum().backward();
  pass.grad_input = input.grad();
  pass.grad_weight = weight.grad();
  pass.grad_bias = bias.grad();
  return pass;
}

TEST(SynchronizedBatchNorm, TwoRanksEachWithHalfTheBatchMatchOneProcessWithAllOfIt) {
  torch::manual_seed(5);
  const torch::Tensor input = torch::randn({kBatch, kChannels, kSide, kSide}) * 2.0 + 1.0;
  const torch::Tensor upstream = torch::randn({kBatch, kChannels, kSide, kSide});
  const Pass whole = run_pass(input, upstream, [](auto& x, auto& w, auto& b, auto& m, auto& v) {
    return torch::batch_norm(x, w, b, m, v, true, kMomentum, kEps, false);
  });

  WorldSettings world{"127.0.0.1", free_loopback_port(), 0, kRanks, 0};
  std::vector<Pass> parts(kRanks);
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < kRanks; ++rank) {
    ranks.emplace_back([&, rank] {
      WorldSettings mine = world;
      mine.rank = rank;
      const std::shared_ptr<ProcessGroup> group = ProcessGroup::connect(mine);
      const int64_t share = kBatch / kRanks;
      parts[rank] =
          run_pass(input.narrow(0, rank * share, share), upstream.narrow(0, rank * share, share),
                   [&](auto& x, auto& w, auto& b, auto& m, auto& v) {
                     return synchronized_batch_norm(x, w, b, m, v, kMomentum, kEps, *group);
                   });
      group->barrier();
    });
  }
  for (std::thread& t : ranks) t.join();

  const auto close = [](const torch::Tensor& a, const torch::Tensor& b) {
    return torch::allclose(a, b, kTolerance, kTolerance);
  };
  EXPECT_TRUE(close(torch::cat({parts[0].output, parts[1].output}), whole.output));
  EXPECT_TRUE(close(torch::cat({parts[0].grad_input, parts[1].grad_input}), whole.grad_input));
  // Each rank holds its share of the parameters' gradients: their sum is the whole's.
  EXPECT_TRUE(close(parts[0].grad_weight + parts[1].grad_weight, whole.grad_weight));
  EXPECT_TRUE(close(parts[0].grad_bias + parts[1].grad_bias, whole.grad_bias));
  for (const Pass& part : parts) {
    EXPECT_TRUE(close(part.running_mean, whole.running_mean));
    EXPECT_TRUE(close(part.running_var, whole.running_var));
  }
}

}  // namespace
}  // namespace tinynas::distributed
