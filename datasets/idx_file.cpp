#include "datasets/idx_file.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {
namespace {

// Magic number: two zero bytes, the element type, the number of dimensions.
constexpr uint32_t kUnsignedByteType = 0x08;
constexpr int kTypeShift = 8;
// Bounds an item dimension so that a corrupt header cannot ask for absurd amounts of memory.
constexpr uint32_t kMaxItemDimension = 4096;
// gzread takes an unsigned count; read in chunks well below its limit.
constexpr std::size_t kReadChunk = std::size_t{1} << 30;

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

GzFile open_file(const std::string& path) {
  if (!std::filesystem::exists(path)) throw DatasetError(path + ": file not found");
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) throw DatasetError(path + ": cannot open file");
  return file;
}

void read_exact(gzFile_s* file, const std::string& path, uint8_t* out, std::size_t bytes,
                const char* what) {
  std::size_t done = 0;
  while (done < bytes) {
    const unsigned chunk = static_cast<unsigned>(std::min(bytes - done, kReadChunk));
    const int got = gzread(file, out + done, chunk);
    if (got < 0) {
      int code = 0;
      throw DatasetError(path + ": corrupt gzip data while reading " + what + ": " +
                         gzerror(file, &code));
    }
    if (got == 0) {
      throw DatasetError(path + ": truncated while reading " + what + ": expected " +
                         std::to_string(bytes) + " bytes, found " + std::to_string(done));
    }
    done += static_cast<std::size_t>(got);
  }
}

uint32_t read_big_endian_u32(gzFile_s* file, const std::string& path) {
  uint8_t bytes[4];
  read_exact(file, path, bytes, sizeof(bytes), "the header");
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

void expect_end(gzFile_s* file, const std::string& path) {
  uint8_t extra = 0;
  if (gzread(file, &extra, 1) != 0) {
    throw DatasetError(path + ": trailing bytes after the IDX data");
  }
}

}  // namespace

IdxArray read_idx_file(const std::string& path, int dimensions, std::size_t max_items) {
  GzFile file = open_file(path);
  const uint32_t expected = (kUnsignedByteType << kTypeShift) | static_cast<uint32_t>(dimensions);
  const uint32_t magic = read_big_endian_u32(file.get(), path);
  if (magic != expected) {
    char text[64];
    std::snprintf(text, sizeof(text), "expected IDX magic 0x%08X, found 0x%08X", expected, magic);
    throw DatasetError(path + ": not an IDX file of the expected kind: " + text);
  }
  IdxArray array;
  std::size_t item_bytes = 1;
  for (int d = 0; d < dimensions; ++d) {
    const uint32_t size = read_big_endian_u32(file.get(), path);
    if (d > 0) {
      if (size == 0 || size > kMaxItemDimension) {
        throw DatasetError(path + ": dimension " + std::to_string(d) + ": expected 1.." +
                           std::to_string(kMaxItemDimension) + ", found " + std::to_string(size));
      }
      item_bytes *= size;
    }
    array.dims.push_back(size);
  }
  array.items = std::min<std::size_t>(array.dims.front(), max_items);
  array.data.resize(array.items * item_bytes);
  read_exact(file.get(), path, array.data.data(), array.data.size(), "the data");
  if (array.items == array.dims.front()) expect_end(file.get(), path);
  return array;
}

LabeledImages read_idx_labeled_images(const std::string& images_path,
                                      const std::string& labels_path, int num_classes,
                                      std::size_t max_count) {
  IdxArray images = read_idx_file(images_path, 3, max_count);
  IdxArray labels = read_idx_file(labels_path, 1, max_count);
  if (images.dims[0] != labels.dims[0]) {
    throw DatasetError(labels_path + ": expected " + std::to_string(images.dims[0]) +
                       " labels (one per image of " + images_path + "), found " +
                       std::to_string(labels.dims[0]));
  }
  int max_label = -1;
  for (std::size_t i = 0; i < labels.items; ++i) {
    if (num_classes > 0 && labels.data[i] >= num_classes) {
      throw DatasetError(labels_path + ": label " + std::to_string(i) +
                         ": expected a class in [0, " + std::to_string(num_classes) + "), found " +
                         std::to_string(labels.data[i]));
    }
    max_label = std::max(max_label, static_cast<int>(labels.data[i]));
  }
  LabeledImages out;
  out.name = images_path;
  out.channels = 1;
  out.height = static_cast<int>(images.dims[1]);
  out.width = static_cast<int>(images.dims[2]);
  out.num_classes = num_classes > 0 ? num_classes : max_label + 1;
  out.pixels = std::move(images.data);
  out.labels.assign(labels.data.begin(),
                    labels.data.begin() + static_cast<std::ptrdiff_t>(labels.items));
  return out;
}

}  // namespace tinynas::datasets
