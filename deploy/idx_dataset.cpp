#include "deploy/idx_dataset.h"

#include <zlib.h>

#include <memory>
#include <stdexcept>

namespace tinynas::deploy {

namespace {

constexpr uint32_t kImagesMagic = 0x00000803;
constexpr uint32_t kLabelsMagic = 0x00000801;
constexpr char kTestImages[] = "t10k-images-idx3-ubyte.gz";
constexpr char kTestLabels[] = "t10k-labels-idx1-ubyte.gz";

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

GzFile open_gz(const std::string& path) {
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) throw std::runtime_error(path + ": cannot open (expected a gzip IDX file)");
  return file;
}

void read_exact(gzFile_s* file, const std::string& path, uint8_t* out, std::size_t size,
                const char* what) {
  std::size_t done = 0;
  while (done < size) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - done, 1u << 20));
    const int got = gzread(file, out + done, chunk);
    if (got <= 0) {
      throw std::runtime_error(path + ": truncated while reading " + what + " (expected " +
                               std::to_string(size) + " bytes, found " + std::to_string(done) +
                               ")");
    }
    done += static_cast<std::size_t>(got);
  }
}

uint32_t read_u32_be(gzFile_s* file, const std::string& path, const char* what) {
  uint8_t bytes[4];
  read_exact(file, path, bytes, sizeof(bytes), what);
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

void expect_magic(gzFile_s* file, const std::string& path, uint32_t expected) {
  const uint32_t magic = read_u32_be(file, path, "the magic number");
  if (magic != expected) {
    throw std::runtime_error(path + ": IDX magic: expected " + std::to_string(expected) +
                             ", found " + std::to_string(magic));
  }
}

}  // namespace

LabeledImages read_idx_images(const std::string& images_gz, const std::string& labels_gz,
                              std::size_t max_count) {
  GzFile images = open_gz(images_gz);
  GzFile labels = open_gz(labels_gz);
  expect_magic(images.get(), images_gz, kImagesMagic);
  expect_magic(labels.get(), labels_gz, kLabelsMagic);
  const uint32_t image_count = read_u32_be(images.get(), images_gz, "the image count");
  LabeledImages out;
  out.rows = static_cast<int>(read_u32_be(images.get(), images_gz, "the row count"));
  out.cols = static_cast<int>(read_u32_be(images.get(), images_gz, "the column count"));
  const uint32_t label_count = read_u32_be(labels.get(), labels_gz, "the label count");
  if (image_count != label_count) {
    throw std::runtime_error(labels_gz + ": label count: expected " + std::to_string(image_count) +
                             " (as " + images_gz + "), found " + std::to_string(label_count));
  }
  out.count = std::min<std::size_t>(max_count, image_count);
  out.pixels.resize(out.count * static_cast<std::size_t>(out.rows) *
                    static_cast<std::size_t>(out.cols));
  out.labels.resize(out.count);
  read_exact(images.get(), images_gz, out.pixels.data(), out.pixels.size(), "pixels");
  read_exact(labels.get(), labels_gz, out.labels.data(), out.labels.size(), "labels");
  return out;
}

LabeledImages read_fashion_mnist_test(const std::string& dir, std::size_t max_count) {
  return read_idx_images(dir + "/" + kTestImages, dir + "/" + kTestLabels, max_count);
}

}  // namespace tinynas::deploy
