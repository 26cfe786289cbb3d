// The binary cache of an image folder's decoded images (one file in the folder): the key it was
// built for (every file's path, size and modification time, and the decoding settings), the
// common shape, each file's error (empty when it decoded) and the pixels of the decoded ones in
// file order. A cache whose key differs, or that is truncated or of another version, is not used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tinynas::datasets {

struct CachedImages {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<std::string> errors;  // one per file; empty: decoded
  std::vector<uint8_t> pixels;      // CHW, the decoded files' images in order
};

std::optional<CachedImages> read_image_cache(const std::string& path, const std::string& key,
                                             std::size_t files);
// Written to a temporary file and renamed; false when the folder is not writable.
bool write_image_cache(const std::string& path, const std::string& key, const CachedImages& images);

}  // namespace tinynas::datasets
