// Where a network's input comes from in a stored image: crop boxes (centre crop for evaluation,
// random-resized crop for training) and the bilinear resize of a box to the input resolution.
// Pixels are CHW, 8 bits.
#pragma once

#include <cstdint>
#include <random>

namespace tinynas::datasets {

struct CropBox {
  int top = 0;
  int left = 0;
  int height = 0;
  int width = 0;
};

// Bilinear resize of `box` of a channels x height x width image to out_height x out_width
// (pixel centres aligned, as torch's align_corners=false; edge pixels repeated), rounded to
// 8 bits. For the whole image this is the resize the supernet's datasets have always used.
void resize_box(const uint8_t* image, int channels, int height, int width, const CropBox& box,
                uint8_t* out, int out_height, int out_width);

// The largest centred box of the output's aspect ratio, scaled by `fraction` (0, 1]: the centre
// crop of evaluation. fraction 1 and a square image and output: the whole image.
CropBox center_crop_box(int height, int width, int out_height, int out_width, double fraction);

// Random-resized crop (Szegedy et al. 2015, as torchvision's RandomResizedCrop): a box whose
// area is a uniform fraction in [min_scale, max_scale] of the image and whose aspect ratio is
// log-uniform in [min_ratio, max_ratio]; ten tries, then the centre crop clamped to the ratios.
struct RandomResizedCrop {
  double min_scale = 0.08;
  double max_scale = 1.0;
  double min_ratio = 3.0 / 4.0;
  double max_ratio = 4.0 / 3.0;
};
CropBox random_resized_crop_box(int height, int width, const RandomResizedCrop& crop,
                                std::mt19937_64& rng);

}  // namespace tinynas::datasets
