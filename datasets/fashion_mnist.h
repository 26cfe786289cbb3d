// Fashion-MNIST (Xiao et al. 2017): ten classes of 28x28 grey images, as the IDX files of the
// Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), gzip-compressed.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "datasets/idx_file.h"
#include "datasets/labeled_images.h"

namespace tinynas::datasets {

inline constexpr const char* kFashionMnistKind = "fashion-mnist";  // in job files
inline constexpr const char* kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";
inline constexpr int kFashionMnistClasses = 10;
inline constexpr int kFashionMnistSide = 28;
// Per-pixel statistics of the training images (pixel / 255), for normalisation.
inline constexpr float kFashionMnistMean = 0.2860f;
inline constexpr float kFashionMnistStd = 0.3530f;

// The labels' names, in label order (Xiao et al. 2017, Table 1).
inline constexpr std::array<const char*, kFashionMnistClasses> kFashionMnistClassNames = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

enum class FashionMnistPart { kTrain, kTest };

// <dir>/{train,t10k}-images-idx3-ubyte.gz and <dir>/{train,t10k}-labels-idx1-ubyte.gz.
std::string fashion_mnist_images_file(const std::string& dir, FashionMnistPart part);
std::string fashion_mnist_labels_file(const std::string& dir, FashionMnistPart part);

// The first min(max_count, available) images and labels of one part, named
// "fashion-mnist/train" or "fashion-mnist/t10k". Throws DatasetError naming the file when it is
// missing (with how to install it), corrupt, or its header or labels are wrong.
LabeledImages read_fashion_mnist(const std::string& dir, FashionMnistPart part,
                                 std::size_t max_count = kAllItems);

}  // namespace tinynas::datasets
