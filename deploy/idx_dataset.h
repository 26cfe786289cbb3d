// Reads labelled images in the IDX format of MNIST / Fashion-MNIST (LeCun et al., "The MNIST
// database"; Xiao et al. 2017, arXiv:1708.07747), gzip-compressed as distributed, with zlib:
// magic 0x00000803 (u8 images) / 0x00000801 (u8 labels), big-endian u32 dimensions, then bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tinynas::deploy {

struct LabeledImages {
  std::size_t count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, row-major, one channel
  std::vector<uint8_t> labels;  // count
  const uint8_t* image(std::size_t index) const {
    return pixels.data() + index * static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  }
};

// The first min(max_count, available) images and labels. Throws std::runtime_error naming the
// file and what was expected vs found (missing file, bad magic, truncated, count mismatch).
LabeledImages read_idx_images(const std::string& images_gz, const std::string& labels_gz,
                              std::size_t max_count);

// The Fashion-MNIST test split of `dir` (t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz).
LabeledImages read_fashion_mnist_test(const std::string& dir, std::size_t max_count);

}  // namespace tinynas::deploy
