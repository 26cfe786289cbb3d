#include "datasets/channel_statistics.h"

#include <cmath>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {
namespace {
constexpr double kMaxPixel = 255.0;
constexpr double kMinStd = 1e-3;  // a constant channel: avoid dividing by zero
}  // namespace

Normalization compute_normalization(const LabeledImages& images) {
  if (images.size() == 0) throw DatasetError(images.name + ": no images to compute statistics on");
  const std::size_t plane = static_cast<std::size_t>(images.height) * images.width;
  std::vector<double> sum(static_cast<std::size_t>(images.channels), 0.0);
  std::vector<double> squares(sum.size(), 0.0);
  for (std::size_t n = 0; n < images.size(); ++n) {
    const uint8_t* image = images.image(n);
    for (std::size_t c = 0; c < sum.size(); ++c) {
      uint64_t s = 0, q = 0;
      for (std::size_t p = 0; p < plane; ++p) {
        const uint64_t v = image[c * plane + p];
        s += v;
        q += v * v;
      }
      sum[c] += static_cast<double>(s);
      squares[c] += static_cast<double>(q);
    }
  }
  const double count = static_cast<double>(images.size() * plane);
  Normalization out;
  double total = 0.0;
  for (std::size_t c = 0; c < sum.size(); ++c) {
    const double mean = sum[c] / count / kMaxPixel;
    const double second = squares[c] / count / (kMaxPixel * kMaxPixel);
    out.stds.push_back(
        static_cast<float>(std::max(kMinStd, std::sqrt(std::max(0.0, second - mean * mean)))));
    total += mean;
  }
  out.mean = static_cast<float>(total / static_cast<double>(sum.size()));
  return out;
}

}  // namespace tinynas::datasets
