#include "datasets/dataset_source.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "datasets/cifar_binary.h"
#include "datasets/class_subset.h"
#include "datasets/dataset_error.h"
#include "datasets/fashion_mnist.h"
#include "datasets/idx_dataset.h"
#include "datasets/image_transform.h"

namespace tinynas::datasets {
namespace {

std::vector<std::string> numbered_names(int classes) {
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c) names.push_back(std::to_string(c));
  return names;
}

// Names given in the job for `classes` labels (or numbers when none are given).
std::vector<std::string> label_names(const DatasetConfig& config, int classes,
                                     const std::string& where) {
  if (config.class_names.empty()) return numbered_names(classes);
  if (static_cast<int>(config.class_names.size()) < classes) {
    throw DatasetError(where + ": labels go up to " + std::to_string(classes - 1) +
                       ", but dataset.class_names has " +
                       std::to_string(config.class_names.size()) + " names");
  }
  return config.class_names;
}

void check_classes(const std::vector<std::string>& names, const std::string& where) {
  if (names.size() < 2) {
    throw DatasetError(where + ": " + std::to_string(names.size()) +
                       " class(es): a classifier needs at least 2");
  }
}

std::string shape_text(const LabeledImages& images) {
  return std::to_string(images.width) + "x" + std::to_string(images.height) + "x" +
         std::to_string(images.channels);
}

DatasetParts read_idx(const DatasetConfig& config) {
  const bool fashion = config.kind == kFashionMnistKind;
  const std::string dir = dataset_folder(config);
  DatasetParts parts;
  if (fashion) {
    parts.train = read_fashion_mnist(dir, FashionMnistPart::kTrain);
    parts.test = read_fashion_mnist(dir, FashionMnistPart::kTest);
    parts.class_names.assign(kFashionMnistClassNames.begin(), kFashionMnistClassNames.end());
    parts.fixed_normalization = Normalization{kFashionMnistMean, {kFashionMnistStd}};
    parts.description = "Fashion-MNIST (IDX files in " + dir + ")";
    return parts;
  }
  const IdxFiles files = config.idx_files ? *config.idx_files : mnist_file_names(dir);
  const int named = static_cast<int>(config.class_names.size());
  IdxDataset idx = read_idx_dataset(files, named, config.transpose);
  parts.class_names = label_names(config, idx.train.num_classes, files.train_labels);
  parts.train = std::move(idx.train);
  parts.test = std::move(idx.test);
  parts.description = "IDX files in " + dir;
  return parts;
}

DatasetParts read_cifar(const DatasetConfig& config) {
  CifarDataset cifar = read_cifar_binary(config.path, config.cifar_label);
  DatasetParts parts;
  parts.class_names = config.class_names.empty()
                          ? cifar.class_names
                          : label_names(config, cifar.train.num_classes, config.path);
  parts.train = std::move(cifar.train);
  parts.test = std::move(cifar.test);
  parts.description = cifar.variant + " binary files in " + config.path;
  return parts;
}

DatasetParts read_folder(const DatasetConfig& config) {
  ImageFolderDataset folder = load_image_folder(config.path, config.folder);
  if (!folder.test) {
    throw DatasetError(config.path + ": no test images (add a test/ folder beside train/)");
  }
  DatasetParts parts;
  parts.class_names = std::move(folder.class_names);
  parts.train = std::move(folder.train);
  parts.validation = std::move(folder.validation);
  parts.test = std::move(*folder.test);
  parts.skipped = std::move(folder.skipped);
  parts.description = "image folder: " + folder.layout + "; " + folder.cache;
  if (!parts.skipped.empty()) {
    parts.description +=
        "; skipped " + std::to_string(parts.skipped.size()) + " unreadable file(s)";
  }
  return parts;
}

// The task the config asks for: some classes only (relabelled), every image transformed.
void derive_task(const DatasetConfig& config, DatasetParts& parts) {
  const auto derive = [&config](const LabeledImages& images) {
    const LabeledImages subset =
        config.classes.empty() ? images : keep_classes(images, config.classes, "dataset.classes");
    return transform_images(subset, config.transform);
  };
  parts.train = derive(parts.train);
  if (parts.validation) parts.validation = derive(*parts.validation);
  parts.test = derive(parts.test);
  if (!config.classes.empty()) {
    parts.class_names = subset_names(parts.class_names, config.classes);
    std::string listed;
    for (int c : config.classes) listed += (listed.empty() ? "" : ",") + std::to_string(c);
    parts.description +=
        "; classes " + listed + " as labels 0-" + std::to_string(config.classes.size() - 1);
  }
  if (config.transform != ImageTransform::kNone) {
    if (parts.fixed_normalization) {
      parts.fixed_normalization =
          transform_normalization(*parts.fixed_normalization, config.transform);
    }
    parts.description += "; transform " + image_transform_name(config.transform);
  }
}

DatasetParts read_parts(const DatasetConfig& config) {
  if (config.kind == kSyntheticKind) {
    throw std::invalid_argument("load_dataset: synthetic datasets are made for a space");
  }
  DatasetParts parts = config.kind == kCifarBinaryKind   ? read_cifar(config)
                       : config.kind == kImageFolderKind ? read_folder(config)
                                                         : read_idx(config);
  derive_task(config, parts);
  check_classes(parts.class_names, config.path.empty() ? dataset_folder(config) : config.path);
  parts.description +=
      ": " + std::to_string(parts.train.size()) + " training" +
      (parts.validation ? ", " + std::to_string(parts.validation->size()) + " validation"
                        : std::string()) +
      ", " + std::to_string(parts.test.size()) + " test images of " + shape_text(parts.train) +
      ", " + std::to_string(parts.num_classes()) + " classes";
  return parts;
}

// What identifies a read: everything of the config that changes the images.
std::string fingerprint(const DatasetConfig& c) {
  std::string key =
      c.kind + "|" + dataset_folder(c) + "|" + std::to_string(c.transpose) + "|" +
      std::to_string(static_cast<int>(c.cifar_label)) + "|" + std::to_string(c.folder.channels) +
      "|" + std::to_string(c.folder.height) + "x" + std::to_string(c.folder.width) + "|" +
      std::to_string(c.folder.skip_unreadable) + "|" + std::to_string(c.folder.split.train) + "," +
      std::to_string(c.folder.split.validation) + "," + std::to_string(c.folder.split.test) + "," +
      std::to_string(c.folder.split_seed);
  if (c.idx_files) {
    key += "|" + c.idx_files->train_images + "," + c.idx_files->train_labels + "," +
           c.idx_files->test_images + "," + c.idx_files->test_labels;
  }
  for (const std::string& name : c.class_names) key += "|" + name;
  key += "|classes";
  for (int label : c.classes) key += "," + std::to_string(label);
  key += "|" + image_transform_name(c.transform);
  return key;
}

std::mutex& memory_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<std::string, std::shared_ptr<const DatasetParts>>& memory() {
  static std::map<std::string, std::shared_ptr<const DatasetParts>> loaded;
  return loaded;
}

}  // namespace

std::shared_ptr<const DatasetParts> load_dataset(const DatasetConfig& config) {
  const std::string key = fingerprint(config);
  {
    std::lock_guard<std::mutex> lock(memory_mutex());
    const auto it = memory().find(key);
    if (it != memory().end()) return it->second;
  }
  auto parts = std::make_shared<const DatasetParts>(read_parts(config));
  std::lock_guard<std::mutex> lock(memory_mutex());
  memory()[key] = parts;
  return parts;
}

void forget_loaded_datasets() {
  std::lock_guard<std::mutex> lock(memory_mutex());
  memory().clear();
}

}  // namespace tinynas::datasets
