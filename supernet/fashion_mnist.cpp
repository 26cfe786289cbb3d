#include "supernet/fashion_mnist.h"

namespace tinynas::supernet {

ImageDataset load_fashion_mnist(const std::string& dir, datasets::FashionMnistPart part) {
  datasets::LabeledImages images = datasets::read_fashion_mnist(dir, part);
  ImageDataset dataset;
  dataset.name = images.name;
  dataset.channels = images.channels;
  dataset.height = images.height;
  dataset.width = images.width;
  dataset.num_classes = images.num_classes;
  dataset.mean = datasets::kFashionMnistMean;
  dataset.std = datasets::kFashionMnistStd;
  dataset.pixels = std::move(images.pixels);
  dataset.labels.assign(images.labels.begin(), images.labels.end());
  return dataset;
}

}  // namespace tinynas::supernet
