// Image folders, the layout users keep their photos in:
//   root/<class>/**/*.{png,jpg,jpeg,bmp}                   split here by ratios and a seed, or
//   root/train/<class>/..., root/{val,validation}/<class>/..., root/test/<class>/...
// Class names are the folder names (sorted bytewise; they must be valid UTF-8). Images are
// decoded on worker threads, converted to one channel count and size, and cached in a binary
// file in the root (.tinynas-images.cache) that is rebuilt when any file's path, size or
// modification time, or the decoding settings, change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "datasets/labeled_images.h"

namespace tinynas::datasets {

inline constexpr const char* kImageCacheFile = ".tinynas-images.cache";

struct SplitRatios {  // of each class's images, for a root without train/ and test/ folders
  double train = 0.8;
  double validation = 0.1;
  double test = 0.1;
};

struct ImageFolderOptions {
  int channels = 0;  // 1 or 3 converts every image; 0: the images' own (all must agree)
  int height = 0;    // > 0 (with width): every image is resized, shorter side first, and
  int width = 0;     // centre-cropped to height x width; 0: the images' own (all must agree)
  bool skip_unreadable = false;  // skip (and list) unreadable files instead of failing
  SplitRatios split;
  uint64_t split_seed = 1;
  bool cache_file = true;
  int threads = 0;  // decoding threads; 0: one per core
};

struct SkippedFile {
  std::string path;
  std::string reason;
};

struct ImageFolderDataset {
  std::vector<std::string> class_names;
  LabeledImages train;
  std::optional<LabeledImages> validation;  // from val/ or the split ratios
  std::optional<LabeledImages> test;        // from test/ or the split ratios
  std::vector<SkippedFile> skipped;         // with skip_unreadable
  std::string layout;                       // how the root was read, for the log
  std::string cache;                        // what the cache did, for the log
};

// Throws DatasetError naming the folder or file: missing root, fewer than 2 classes, a class
// folder with no images, a folder name that is not UTF-8, and (unless skip_unreadable) every
// unreadable file at once: not an image, corrupt, truncated. Also when images differ in size or
// channels and the options do not say what to convert them to.
ImageFolderDataset load_image_folder(const std::string& root, const ImageFolderOptions& options);

// Checks that `name` is valid UTF-8; otherwise describes it with the bad bytes as \xNN.
bool is_valid_utf8(const std::string& name);
std::string escape_bytes(const std::string& name);

}  // namespace tinynas::datasets
