#include "supernet/fashion_mnist.h"

namespace tinynas::supernet {

ImageDataset load_fashion_mnist(const std::string& dir, datasets::FashionMnistPart part) {
  ImageDataset dataset = to_image_dataset(datasets::read_fashion_mnist(dir, part));
  dataset.set_normalization({datasets::kFashionMnistMean, {datasets::kFashionMnistStd}});
  return dataset;
}

}  // namespace tinynas::supernet
