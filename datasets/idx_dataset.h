// A labelled image set in IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST, ...): four files, the
// training and test images (3 dimensions: count x rows x columns) and their labels.
#pragma once

#include <string>

#include "datasets/labeled_images.h"

namespace tinynas::datasets {

struct IdxFiles {
  std::string train_images;
  std::string train_labels;
  std::string test_images;
  std::string test_labels;
};

// MNIST's file names in `dir`: {train,t10k}-{images-idx3,labels-idx1}-ubyte, each with ".gz"
// when that file exists (else without, the decompressed download).
IdxFiles mnist_file_names(const std::string& dir);

struct IdxDataset {
  LabeledImages train;
  LabeledImages test;
};

// num_classes 0: the largest label + 1 (of both parts). transpose: images stored column-major,
// as EMNIST's, are transposed to rows. Throws DatasetError naming the file (see idx_file.h).
IdxDataset read_idx_dataset(const IdxFiles& files, int num_classes = 0, bool transpose = false);

}  // namespace tinynas::datasets
