// Fashion-MNIST (datasets/fashion_mnist.h) as an ImageDataset: the files' images and labels
// with the dataset's class count and normalisation statistics.
#pragma once

#include <string>

#include "datasets/fashion_mnist.h"
#include "supernet/image_dataset.h"

namespace tinynas::supernet {

// Reads <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz. Throws DatasetError naming the
// file when it is missing, corrupt, truncated, or its IDX header or labels are wrong.
ImageDataset load_fashion_mnist(const std::string& dir, datasets::FashionMnistPart part);

}  // namespace tinynas::supernet
