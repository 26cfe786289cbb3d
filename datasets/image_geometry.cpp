#include "datasets/image_geometry.h"

#include <algorithm>
#include <cmath>

namespace tinynas::datasets {
namespace {
constexpr float kMaxPixel = 255.0f;
constexpr int kCropTries = 10;
}  // namespace

void resize_box(const uint8_t* image, int channels, int height, int width, const CropBox& box,
                uint8_t* out, int out_height, int out_width) {
  const float scale_y = static_cast<float>(box.height) / out_height;
  const float scale_x = static_cast<float>(box.width) / out_width;
  for (int c = 0; c < channels; ++c) {
    const uint8_t* src = image + static_cast<std::size_t>(c) * height * width;
    uint8_t* dst = out + static_cast<std::size_t>(c) * out_height * out_width;
    for (int y = 0; y < out_height; ++y) {
      const float sy = std::max(0.0f, (y + 0.5f) * scale_y - 0.5f);
      const int y0 = std::min(static_cast<int>(sy), box.height - 1);
      const int y1 = std::min(y0 + 1, box.height - 1);
      const float fy = sy - y0;
      const uint8_t* row0 = src + static_cast<std::size_t>(box.top + y0) * width + box.left;
      const uint8_t* row1 = src + static_cast<std::size_t>(box.top + y1) * width + box.left;
      for (int x = 0; x < out_width; ++x) {
        const float sx = std::max(0.0f, (x + 0.5f) * scale_x - 0.5f);
        const int x0 = std::min(static_cast<int>(sx), box.width - 1);
        const int x1 = std::min(x0 + 1, box.width - 1);
        const float fx = sx - x0;
        const float top = row0[x0] * (1 - fx) + row0[x1] * fx;
        const float bottom = row1[x0] * (1 - fx) + row1[x1] * fx;
        const float value = top * (1 - fy) + bottom * fy;
        dst[y * out_width + x] =
            static_cast<uint8_t>(std::clamp(std::round(value), 0.0f, kMaxPixel));
      }
    }
  }
}

CropBox center_crop_box(int height, int width, int out_height, int out_width, double fraction) {
  // The largest box of the output's aspect ratio inside the image, then scaled.
  const double aspect = static_cast<double>(out_width) / out_height;
  double box_h = height;
  double box_w = box_h * aspect;
  if (box_w > width) {
    box_w = width;
    box_h = box_w / aspect;
  }
  CropBox box;
  box.height = std::clamp(static_cast<int>(std::lround(box_h * fraction)), 1, height);
  box.width = std::clamp(static_cast<int>(std::lround(box_w * fraction)), 1, width);
  box.top = (height - box.height) / 2;
  box.left = (width - box.width) / 2;
  return box;
}

CropBox random_resized_crop_box(int height, int width, const RandomResizedCrop& crop,
                                std::mt19937_64& rng) {
  const double area = static_cast<double>(height) * width;
  std::uniform_real_distribution<double> scale(crop.min_scale, crop.max_scale);
  std::uniform_real_distribution<double> log_ratio(std::log(crop.min_ratio),
                                                   std::log(crop.max_ratio));
  for (int attempt = 0; attempt < kCropTries; ++attempt) {
    const double target = area * scale(rng);
    const double ratio = std::exp(log_ratio(rng));
    const int w = static_cast<int>(std::lround(std::sqrt(target * ratio)));
    const int h = static_cast<int>(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      CropBox box;
      box.height = h;
      box.width = w;
      box.top = std::uniform_int_distribution<int>(0, height - h)(rng);
      box.left = std::uniform_int_distribution<int>(0, width - w)(rng);
      return box;
    }
  }
  // Fallback: the whole image, cropped centrally to the nearest allowed aspect ratio.
  const double image_ratio = static_cast<double>(width) / height;
  CropBox box{0, 0, height, width};
  if (image_ratio < crop.min_ratio) {
    box.height = std::max(1, static_cast<int>(std::lround(width / crop.min_ratio)));
  } else if (image_ratio > crop.max_ratio) {
    box.width = std::max(1, static_cast<int>(std::lround(height * crop.max_ratio)));
  }
  box.top = (height - box.height) / 2;
  box.left = (width - box.width) / 2;
  return box;
}

}  // namespace tinynas::datasets
