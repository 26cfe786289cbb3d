// The IDX format of MNIST and Fashion-MNIST (LeCun et al., "The MNIST database"; Xiao et al.
// 2017, arXiv:1708.07747): a big-endian header (magic 0x00 0x00, element type 0x08 for unsigned
// bytes, the number of dimensions; then one u32 per dimension) followed by the elements. Files
// are read gzip-compressed as distributed, or plain (zlib reads both).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "datasets/labeled_images.h"

namespace tinynas::datasets {

inline constexpr std::size_t kAllItems = std::numeric_limits<std::size_t>::max();

// An IDX array of unsigned bytes: dims[0] items of dims[1] x dims[2] x ... bytes each.
struct IdxArray {
  std::vector<uint32_t> dims;  // as in the file; dims[0] counts the items of the whole file
  std::size_t items = 0;       // items read: min(dims[0], max_items)
  std::vector<uint8_t> data;   // items * the product of dims[1..]
};

// Reads the first min(max_items, dims[0]) items of an IDX file of unsigned bytes with
// `dimensions` dimensions; reading all items also checks that nothing follows them. Throws
// DatasetError naming the file when it is missing, has another magic number, is truncated, is
// longer than its header says, or has an item size of 0 or over 2^30 bytes.
IdxArray read_idx_file(const std::string& path, int dimensions, std::size_t max_items = kAllItems);

// A 3-dimensional IDX file of images (rows x columns, one channel) and a 1-dimensional one of
// their labels: the first min(max_count, available) of each. Throws DatasetError naming the file
// when either is not such a file, when their counts differ, or when a label is not in
// [0, num_classes). num_classes 0: the largest label + 1.
LabeledImages read_idx_labeled_images(const std::string& images_path,
                                      const std::string& labels_path, int num_classes,
                                      std::size_t max_count = kAllItems);

}  // namespace tinynas::datasets
