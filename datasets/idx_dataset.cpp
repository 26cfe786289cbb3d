#include "datasets/idx_dataset.h"

#include <algorithm>
#include <filesystem>

#include "datasets/dataset_error.h"
#include "datasets/idx_file.h"

namespace tinynas::datasets {
namespace {

std::string gz_or_plain(const std::string& dir, const std::string& name) {
  const std::string gz = dir + "/" + name + ".gz";
  std::error_code error;
  return std::filesystem::exists(gz, error) ? gz : dir + "/" + name;
}

void transpose_images(LabeledImages& images) {
  std::vector<uint8_t> out(images.pixels.size());
  const int h = images.height;
  const int w = images.width;
  for (std::size_t n = 0; n < images.size(); ++n) {
    const uint8_t* src = images.image(n);
    uint8_t* dst = out.data() + n * images.image_bytes();
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) dst[x * h + y] = src[y * w + x];
    }
  }
  images.pixels = std::move(out);
  std::swap(images.height, images.width);
}

}  // namespace

IdxFiles mnist_file_names(const std::string& dir) {
  return {gz_or_plain(dir, "train-images-idx3-ubyte"), gz_or_plain(dir, "train-labels-idx1-ubyte"),
          gz_or_plain(dir, "t10k-images-idx3-ubyte"), gz_or_plain(dir, "t10k-labels-idx1-ubyte")};
}

IdxDataset read_idx_dataset(const IdxFiles& files, int num_classes, bool transpose) {
  IdxDataset out;
  out.train = read_idx_labeled_images(files.train_images, files.train_labels, num_classes);
  out.test = read_idx_labeled_images(files.test_images, files.test_labels, num_classes);
  if (out.train.height != out.test.height || out.train.width != out.test.width) {
    throw DatasetError(files.test_images + ": images of " + std::to_string(out.test.height) + "x" +
                       std::to_string(out.test.width) + ", the training images (" +
                       files.train_images + ") are " + std::to_string(out.train.height) + "x" +
                       std::to_string(out.train.width));
  }
  const int classes = std::max(out.train.num_classes, out.test.num_classes);
  out.train.num_classes = classes;
  out.test.num_classes = classes;
  if (transpose) {
    transpose_images(out.train);
    transpose_images(out.test);
  }
  return out;
}

}  // namespace tinynas::datasets
