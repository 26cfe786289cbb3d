#include "supernet/fashion_mnist.h"

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>

namespace tinynas::supernet {
namespace {

// IDX magic numbers: 0x00 0x00, element type 0x08 (unsigned byte), dimension count.
constexpr uint32_t kIdxImagesMagic = 0x00000803;
constexpr uint32_t kIdxLabelsMagic = 0x00000801;
constexpr int kMaxIdxSide = 4096;

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

GzFile open_gzip(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    throw DatasetError(path +
                       ": dataset file not found (install the Debian package "
                       "dataset-fashion-mnist or set dataset.path in the job)");
  }
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) throw DatasetError(path + ": cannot open file");
  return file;
}

void read_exact(gzFile_s* file, const std::string& path, void* out, size_t bytes,
                const char* what) {
  size_t done = 0;
  auto* dst = static_cast<uint8_t*>(out);
  while (done < bytes) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes - done, 1u << 30));
    const int got = gzread(file, dst + done, chunk);
    if (got < 0) {
      int code = 0;
      throw DatasetError(path + ": corrupt gzip data while reading " + what + ": " +
                         gzerror(file, &code));
    }
    if (got == 0) {
      throw DatasetError(path + ": truncated while reading " + what + ": expected " +
                         std::to_string(bytes) + " bytes, found " + std::to_string(done));
    }
    done += static_cast<size_t>(got);
  }
}

uint32_t read_big_endian_u32(gzFile_s* file, const std::string& path, const char* what) {
  uint8_t bytes[4];
  read_exact(file, path, bytes, sizeof(bytes), what);
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

void expect_magic(uint32_t magic, uint32_t expected, const std::string& path) {
  if (magic != expected) {
    char text[64];
    std::snprintf(text, sizeof(text), "expected IDX magic 0x%08X, found 0x%08X", expected, magic);
    throw DatasetError(path + ": not an IDX file of the expected kind: " + text);
  }
}

void expect_end(gzFile_s* file, const std::string& path) {
  uint8_t extra = 0;
  if (gzread(file, &extra, 1) != 0) {
    throw DatasetError(path + ": trailing bytes after the IDX data");
  }
}

}  // namespace

ImageDataset read_idx_images(const std::string& path) {
  GzFile file = open_gzip(path);
  expect_magic(read_big_endian_u32(file.get(), path, "the header"), kIdxImagesMagic, path);
  const uint32_t count = read_big_endian_u32(file.get(), path, "the header");
  const uint32_t rows = read_big_endian_u32(file.get(), path, "the header");
  const uint32_t cols = read_big_endian_u32(file.get(), path, "the header");
  if (rows == 0 || cols == 0 || rows > kMaxIdxSide || cols > kMaxIdxSide) {
    throw DatasetError(path + ": image size " + std::to_string(rows) + "x" + std::to_string(cols) +
                       " out of range [1, " + std::to_string(kMaxIdxSide) + "]");
  }
  ImageDataset dataset;
  dataset.name = path;
  dataset.channels = 1;
  dataset.height = static_cast<int>(rows);
  dataset.width = static_cast<int>(cols);
  dataset.pixels.resize(static_cast<size_t>(count) * rows * cols);
  read_exact(file.get(), path, dataset.pixels.data(), dataset.pixels.size(), "the pixels");
  expect_end(file.get(), path);
  dataset.labels.assign(count, 0);
  return dataset;
}

std::vector<int> read_idx_labels(const std::string& path, int num_classes) {
  GzFile file = open_gzip(path);
  expect_magic(read_big_endian_u32(file.get(), path, "the header"), kIdxLabelsMagic, path);
  const uint32_t count = read_big_endian_u32(file.get(), path, "the header");
  std::vector<uint8_t> raw(count);
  read_exact(file.get(), path, raw.data(), raw.size(), "the labels");
  expect_end(file.get(), path);
  std::vector<int> labels(count);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] >= num_classes) {
      throw DatasetError(path + ": label " + std::to_string(i) + ": expected a class in [0, " +
                         std::to_string(num_classes) + "), found " + std::to_string(raw[i]));
    }
    labels[i] = raw[i];
  }
  return labels;
}

ImageDataset load_fashion_mnist(const std::string& dir, FashionMnistPart part) {
  const std::string prefix = part == FashionMnistPart::kTrain ? "train" : "t10k";
  const std::string images_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  ImageDataset dataset = read_idx_images(images_path);
  dataset.labels = read_idx_labels(labels_path, kFashionMnistClasses);
  if (dataset.labels.size() * dataset.image_bytes() != dataset.pixels.size()) {
    throw DatasetError(labels_path + ": expected " +
                       std::to_string(dataset.pixels.size() / dataset.image_bytes()) +
                       " labels (one per image of " + images_path + "), found " +
                       std::to_string(dataset.labels.size()));
  }
  dataset.name = "fashion-mnist/" + prefix;
  dataset.num_classes = kFashionMnistClasses;
  dataset.mean = kFashionMnistMean;
  dataset.std = kFashionMnistStd;
  return dataset;
}

}  // namespace tinynas::supernet
