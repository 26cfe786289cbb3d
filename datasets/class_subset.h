// A task made of some of a dataset's classes (the dataset object's "classes"): only the images
// of those classes, their labels renumbered 0..n-1 in the order the list gives them, so that a
// network pretrained on classes 0-4 can learn classes 5-9 with a new five-way classifier.
#pragma once

#include <string>
#include <vector>

#include "datasets/labeled_images.h"

namespace tinynas::datasets {

// The images of `classes` (distinct labels of `images`), relabelled by their position in it.
// Throws DatasetError naming `field` when a class is not below images.num_classes.
LabeledImages keep_classes(const LabeledImages& images, const std::vector<int>& classes,
                           const std::string& field);

// The names of `classes` in that order.
std::vector<std::string> subset_names(const std::vector<std::string>& names,
                                      const std::vector<int>& classes);

}  // namespace tinynas::datasets
