#include "datasets/fashion_mnist.h"

#include <filesystem>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {
namespace {

std::string part_prefix(FashionMnistPart part) {
  return part == FashionMnistPart::kTrain ? "train" : "t10k";
}

void expect_installed(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    throw DatasetError(path +
                       ": dataset file not found (install the Debian package "
                       "dataset-fashion-mnist or set dataset.path in the job)");
  }
}

}  // namespace

std::string fashion_mnist_images_file(const std::string& dir, FashionMnistPart part) {
  return dir + "/" + part_prefix(part) + "-images-idx3-ubyte.gz";
}

std::string fashion_mnist_labels_file(const std::string& dir, FashionMnistPart part) {
  return dir + "/" + part_prefix(part) + "-labels-idx1-ubyte.gz";
}

LabeledImages read_fashion_mnist(const std::string& dir, FashionMnistPart part,
                                 std::size_t max_count) {
  const std::string images = fashion_mnist_images_file(dir, part);
  const std::string labels = fashion_mnist_labels_file(dir, part);
  expect_installed(images);
  expect_installed(labels);
  LabeledImages out = read_idx_labeled_images(images, labels, kFashionMnistClasses, max_count);
  out.name = "fashion-mnist/" + part_prefix(part);
  return out;
}

}  // namespace tinynas::datasets
