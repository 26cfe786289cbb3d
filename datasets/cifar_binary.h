// The CIFAR-10 / CIFAR-100 binary version (Krizhevsky 2009, "Learning Multiple Layers of Features
// from Tiny Images"; the "binary version" of the download page): records of label byte(s) and
// 3072 pixel bytes, a 32x32 red plane, then green, then blue (CHW already).
//   CIFAR-10:  data_batch_1.bin .. data_batch_5.bin, test_batch.bin; 1 label byte (10 classes);
//              class names in batches.meta.txt (one per line) when present.
//   CIFAR-100: train.bin, test.bin; 2 label bytes (coarse of 20, fine of 100); names in
//              coarse_label_names.txt / fine_label_names.txt when present.
#pragma once

#include <string>
#include <vector>

#include "datasets/labeled_images.h"

namespace tinynas::datasets {

inline constexpr int kCifarSide = 32;
inline constexpr int kCifarChannels = 3;
inline constexpr int kCifarImageBytes = kCifarSide * kCifarSide * kCifarChannels;

enum class CifarLabel { kFine, kCoarse };  // CIFAR-100 only; CIFAR-10 has one

struct CifarDataset {
  std::string variant;  // "CIFAR-10" or "CIFAR-100"
  std::vector<std::string> class_names;
  LabeledImages train;
  LabeledImages test;
};

// Throws DatasetError naming the folder when neither layout is there, or the file when its
// length is not a whole number of records or a label is out of range.
CifarDataset read_cifar_binary(const std::string& dir, CifarLabel label = CifarLabel::kFine);

}  // namespace tinynas::datasets
