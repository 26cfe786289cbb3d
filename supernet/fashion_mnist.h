// Fashion-MNIST (Xiao et al. 2017) read straight from the gzip-compressed IDX files that the
// Debian package dataset-fashion-mnist installs (/usr/share/datasets/fashion-mnist).
#pragma once

#include <string>

#include "supernet/image_dataset.h"

namespace tinynas::supernet {

inline constexpr const char* kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";
inline constexpr int kFashionMnistClasses = 10;
inline constexpr int kFashionMnistSide = 28;
// Per-pixel statistics of the training images (pixel / 255), for normalisation.
inline constexpr float kFashionMnistMean = 0.2860f;
inline constexpr float kFashionMnistStd = 0.3530f;

enum class FashionMnistPart { kTrain, kTest };

// Reads <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz. Throws DatasetError naming the
// file when it is missing, not gzip, truncated, or its IDX header or labels are wrong.
ImageDataset load_fashion_mnist(const std::string& dir, FashionMnistPart part);

// One IDX file, decompressed: exposed for tests of the error paths.
ImageDataset read_idx_images(const std::string& path);
std::vector<int> read_idx_labels(const std::string& path, int num_classes);

}  // namespace tinynas::supernet
