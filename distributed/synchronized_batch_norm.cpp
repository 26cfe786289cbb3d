#include "distributed/synchronized_batch_norm.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace tinynas::distributed {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Every dimension but the channels'.
std::vector<int64_t> reduction_dims(const torch::Tensor& input) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  return dims;
}

// [C] as a tensor that broadcasts over input's channel dimension.
torch::Tensor per_channel(const torch::Tensor& values, const torch::Tensor& input) {
  std::vector<int64_t> shape(static_cast<size_t>(input.dim()), 1);
  shape[1] = values.size(0);
  return values.view(shape);
}

class SynchronizedBatchNorm : public torch::autograd::Function<SynchronizedBatchNorm> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               torch::Tensor running_mean, torch::Tensor running_var,
                               double momentum, double eps, ProcessGroup* group) {
    const int64_t channels = input.size(1);
    const std::vector<int64_t> dims = reduction_dims(input);
    const double local_count = static_cast<double>(input.numel() / channels);
    // Local mean and variance by Welford's method, then sums and sums of squares in double:
    // the global variance is their difference, which float would lose to cancellation.
    const auto [local_var, local_mean] = torch::var_mean(input, dims, /*unbiased=*/false);
    const torch::Tensor mean64 = local_mean.to(torch::kDouble);
    torch::Tensor sums = torch::cat({mean64 * local_count,
                                     (local_var.to(torch::kDouble) + mean64.square()) * local_count,
                                     torch::full({1}, local_count, torch::kDouble)});
    std::vector<torch::Tensor> reduced{sums};
    group->all_reduce_sum(reduced);
    const double count = sums[2 * channels].item<double>();
    const torch::Tensor mean = sums.narrow(0, 0, channels) / count;
    const torch::Tensor var =
        (sums.narrow(0, channels, channels) / count - mean.square()).clamp_min(0.0);
    const torch::Tensor invstd = (var + eps).rsqrt().to(input.scalar_type());
    const torch::Tensor mean_same_type = mean.to(input.scalar_type());
    {
      torch::NoGradGuard no_grad;
      const double unbiased = count > 1.0 ? count / (count - 1.0) : 1.0;
      running_mean.mul_(1.0 - momentum).add_(mean.to(running_mean.scalar_type()), momentum);
      running_var.mul_(1.0 - momentum)
          .add_((var * unbiased).to(running_var.scalar_type()), momentum);
    }
    const torch::Tensor scale = invstd * weight;
    ctx->save_for_backward({input, weight, mean_same_type, invstd});
    ctx->saved_data["count"] = count;
    ctx->saved_data["group"] = reinterpret_cast<int64_t>(group);
    return (input - per_channel(mean_same_type, input)) * per_channel(scale, input) +
           per_channel(bias, input);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const tensor_list saved = ctx->get_saved_variables();
    const torch::Tensor& input = saved[0];
    const torch::Tensor& weight = saved[1];
    const torch::Tensor& mean = saved[2];
    const torch::Tensor& invstd = saved[3];
    const double count = ctx->saved_data["count"].toDouble();
    auto* group = reinterpret_cast<ProcessGroup*>(ctx->saved_data["group"].toInt());
    const torch::Tensor& grad_output = grad_outputs[0];
    const int64_t channels = input.size(1);
    const std::vector<int64_t> dims = reduction_dims(input);
    const torch::Tensor centred = input - per_channel(mean, input);
    const torch::Tensor sum_grad = grad_output.sum(dims);
    const torch::Tensor sum_grad_centred = (grad_output * centred).sum(dims);
    // The parameters' gradients are this rank's share; the trainer averages them across ranks.
    const torch::Tensor grad_weight = sum_grad_centred * invstd;
    const torch::Tensor grad_bias = sum_grad.clone();
    torch::Tensor sums = torch::cat({sum_grad, sum_grad_centred});
    std::vector<torch::Tensor> reduced{sums};
    group->all_reduce_sum(reduced);
    const torch::Tensor mean_grad = sums.narrow(0, 0, channels) / count;
    const torch::Tensor mean_grad_centred = sums.narrow(0, channels, channels) / count;
    const torch::Tensor grad_input =
        (grad_output - per_channel(mean_grad, input) -
         centred * per_channel(invstd.square() * mean_grad_centred, input)) *
        per_channel(invstd * weight, input);
    return {grad_input,      grad_weight,     grad_bias,       torch::Tensor(),
            torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

at::Tensor synchronized_batch_norm(const at::Tensor& input, const at::Tensor& weight,
                                   const at::Tensor& bias, at::Tensor running_mean,
                                   at::Tensor running_var, double momentum, double eps,
                                   ProcessGroup& group) {
  return SynchronizedBatchNorm::apply(input, weight, bias, std::move(running_mean),
                                      std::move(running_var), momentum, eps, &group);
}

}  // namespace tinynas::distributed
