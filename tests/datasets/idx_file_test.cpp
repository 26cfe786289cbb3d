// The IDX reader: what it returns for good files (gzip or plain, all items or a prefix) and the
// error, naming the file, for every way a file can be wrong.
#include "datasets/idx_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "datasets/dataset_error.h"
#include "tests/datasets/idx_test_files.h"

namespace tinynas::datasets {
namespace {

namespace fs = std::filesystem;
using testing::idx_header;

class TempFiles {
 public:
  TempFiles() : dir_(fs::temp_directory_path() / ("tinynas_idx_" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~TempFiles() { fs::remove_all(dir_); }
  std::string gzip(const std::string& name, const std::vector<uint8_t>& bytes) const {
    const std::string path = (dir_ / name).string();
    testing::write_gzip(path, bytes);
    return path;
  }
  std::string plain(const std::string& name, const std::vector<uint8_t>& bytes) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

// Two 2x3 images with pixels 0..11, labels {9, 0}.
std::vector<uint8_t> two_images() {
  std::vector<uint8_t> bytes = idx_header(0x803, {2, 2, 3});
  for (uint8_t v = 0; v < 12; ++v) bytes.push_back(v);
  return bytes;
}
std::vector<uint8_t> two_labels() {
  std::vector<uint8_t> bytes = idx_header(0x801, {2});
  bytes.push_back(9);
  bytes.push_back(0);
  return bytes;
}

void expect_error_mentions(const std::function<void()>& f,
                           const std::vector<std::string>& needles) {
  try {
    f();
    FAIL() << "expected DatasetError";
  } catch (const DatasetError& e) {
    for (const std::string& needle : needles) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "'" << e.what() << "' does not mention '" << needle << "'";
    }
  }
}

TEST(IdxFile, ReadsGzipAndPlainFilesAlike) {
  const TempFiles files;
  for (const std::string& path :
       {files.gzip("images.gz", two_images()), files.plain("images", two_images())}) {
    const IdxArray array = read_idx_file(path, 3);
    EXPECT_EQ(array.dims, (std::vector<uint32_t>{2, 2, 3})) << path;
    EXPECT_EQ(array.items, 2u);
    ASSERT_EQ(array.data.size(), 12u);
    EXPECT_EQ(array.data[7], 7);
  }
}

TEST(IdxFile, ReadsOnlyThePrefixAskedFor) {
  const TempFiles files;
  const IdxArray array = read_idx_file(files.gzip("images.gz", two_images()), 3, 1);
  EXPECT_EQ(array.dims[0], 2u);
  EXPECT_EQ(array.items, 1u);
  EXPECT_EQ(array.data, (std::vector<uint8_t>{0, 1, 2, 3, 4, 5}));
}

TEST(IdxFile, LabeledImagesPairImagesWithTheirLabels) {
  const TempFiles files;
  const LabeledImages images = read_idx_labeled_images(files.gzip("i.gz", two_images()),
                                                       files.gzip("l.gz", two_labels()), 10);
  EXPECT_EQ(images.size(), 2u);
  EXPECT_EQ(images.channels, 1);
  EXPECT_EQ(images.height, 2);
  EXPECT_EQ(images.width, 3);
  EXPECT_EQ(images.num_classes, 10);
  EXPECT_EQ(images.labels, (std::vector<int>{9, 0}));
  EXPECT_EQ(images.image(1)[0], 6);
  const LabeledImages first = read_idx_labeled_images(files.gzip("i.gz", two_images()),
                                                      files.gzip("l.gz", two_labels()), 10, 1);
  EXPECT_EQ(first.size(), 1u);
  EXPECT_EQ(first.pixels.size(), 6u);
}

TEST(IdxFile, CorruptFilesAreRejectedNamingTheFile) {
  const TempFiles files;
  const std::string wrong_magic = files.gzip("magic.gz", idx_header(0x801, {1, 1, 1}));
  expect_error_mentions([&] { read_idx_file(wrong_magic, 3); }, {wrong_magic, "IDX magic"});
  std::vector<uint8_t> short_images = idx_header(0x803, {3, 2, 2});
  short_images.push_back(1);
  const std::string truncated = files.gzip("short.gz", short_images);
  expect_error_mentions([&] { read_idx_file(truncated, 3); }, {truncated, "truncated"});
  const std::string short_header = files.gzip("header.gz", {0, 0, 8});
  expect_error_mentions([&] { read_idx_file(short_header, 1); }, {short_header, "truncated"});
  std::vector<uint8_t> long_labels = two_labels();
  long_labels.push_back(3);
  const std::string trailing = files.gzip("long.gz", long_labels);
  expect_error_mentions([&] { read_idx_file(trailing, 1); }, {trailing, "trailing bytes"});
  const std::string zero_rows = files.gzip("zero.gz", idx_header(0x803, {1, 0, 3}));
  expect_error_mentions([&] { read_idx_file(zero_rows, 3); }, {zero_rows, "dimension 1"});
  const std::string not_idx = files.plain("hello.gz", {'h', 'e', 'l', 'l', 'o'});
  expect_error_mentions([&] { read_idx_file(not_idx, 3); }, {not_idx});
  const std::string missing = (files.dir() / "missing.gz").string();
  expect_error_mentions([&] { read_idx_file(missing, 3); }, {missing, "not found"});
}

TEST(IdxFile, LabelsOutOfRangeOrMiscountedAreRejected) {
  const TempFiles files;
  const std::string images = files.gzip("i.gz", two_images());
  std::vector<uint8_t> bad_label = idx_header(0x801, {2});
  bad_label.push_back(12);
  bad_label.push_back(0);
  const std::string labels = files.gzip("bad.gz", bad_label);
  expect_error_mentions([&] { read_idx_labeled_images(images, labels, 10); }, {labels, "label 0"});
  std::vector<uint8_t> one_label = idx_header(0x801, {1});
  one_label.push_back(1);
  const std::string too_few = files.gzip("few.gz", one_label);
  expect_error_mentions([&] { read_idx_labeled_images(images, too_few, 10); },
                        {too_few, "expected 2 labels", images});
}

}  // namespace
}  // namespace tinynas::datasets
