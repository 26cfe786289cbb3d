#include "datasets/class_subset.h"

#include "datasets/dataset_error.h"

namespace tinynas::datasets {

LabeledImages keep_classes(const LabeledImages& images, const std::vector<int>& classes,
                           const std::string& field) {
  std::vector<int> new_label(static_cast<size_t>(images.num_classes), -1);
  for (size_t i = 0; i < classes.size(); ++i) {
    if (classes[i] < 0 || classes[i] >= images.num_classes) {
      throw DatasetError(field + "[" + std::to_string(i) + "]: class " +
                         std::to_string(classes[i]) + " is not a label of " + images.name +
                         " (labels 0.." + std::to_string(images.num_classes - 1) + ")");
    }
    new_label[static_cast<size_t>(classes[i])] = static_cast<int>(i);
  }
  LabeledImages out = images;
  out.num_classes = static_cast<int>(classes.size());
  out.pixels.clear();
  out.labels.clear();
  for (size_t index = 0; index < images.size(); ++index) {
    const int label = new_label[static_cast<size_t>(images.labels[index])];
    if (label < 0) continue;
    out.pixels.insert(out.pixels.end(), images.image(index),
                      images.image(index) + images.image_bytes());
    out.labels.push_back(label);
  }
  return out;
}

std::vector<std::string> subset_names(const std::vector<std::string>& names,
                                      const std::vector<int>& classes) {
  std::vector<std::string> out;
  for (int c : classes) out.push_back(names.at(static_cast<size_t>(c)));
  return out;
}

}  // namespace tinynas::datasets
