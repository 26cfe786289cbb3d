// The CIFAR binary version: CIFAR-10 batches and CIFAR-100 (fine or coarse labels) read into
// CHW images with their class names, and the error, naming the file, for a file that is not a
// whole number of records or holds a label that is not a class.
#include "datasets/cifar_binary.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "datasets/dataset_error.h"
#include "tests/datasets/dataset_test_files.h"

namespace tinynas::datasets {
namespace {

namespace fs = std::filesystem;
using testing::expect_error_mentions;
using testing::TempDir;
using testing::write_bytes;

TEST(CifarBinary, Cifar10BatchesAreReadInOrderWithTheirNames) {
  TempDir dir("cifar10");
  testing::write_cifar10(dir.path(), 2, 3, 4);
  const CifarDataset d = read_cifar_binary(dir.str());
  EXPECT_EQ(d.variant, "CIFAR-10");
  EXPECT_EQ(d.class_names.size(), 10u);
  EXPECT_EQ(d.class_names[9], "truck");
  EXPECT_EQ(d.train.size(), 6u);
  EXPECT_EQ(d.test.size(), 4u);
  EXPECT_EQ(d.train.channels, 3);
  EXPECT_EQ(d.train.height, 32);
  EXPECT_EQ(d.train.labels, (std::vector<int>{0, 1, 2, 0, 1, 2}));
  // The record's bytes after the label are the image, planes in order (CHW).
  const std::vector<uint8_t> batch2 = testing::read_bytes(dir.path() / "data_batch_2.bin");
  EXPECT_TRUE(
      std::equal(d.train.image(3), d.train.image(3) + kCifarImageBytes, batch2.begin() + 1));
}

TEST(CifarBinary, Cifar100ReadsFineOrCoarseLabels) {
  TempDir dir("cifar100");
  std::vector<uint8_t> record(2 + kCifarImageBytes, 7);
  record[0] = 19;  // coarse
  record[1] = 99;  // fine
  write_bytes(dir.path() / "train.bin", record);
  write_bytes(dir.path() / "test.bin", record);
  const CifarDataset fine = read_cifar_binary(dir.str(), CifarLabel::kFine);
  EXPECT_EQ(fine.variant, "CIFAR-100");
  EXPECT_EQ(fine.train.labels, std::vector<int>{99});
  EXPECT_EQ(fine.class_names.size(), 100u);
  EXPECT_EQ(fine.class_names[99], "99");  // no names file: numbers
  const CifarDataset coarse = read_cifar_binary(dir.str(), CifarLabel::kCoarse);
  EXPECT_EQ(coarse.train.labels, std::vector<int>{19});
  EXPECT_EQ(coarse.train.num_classes, 20);
}

TEST(CifarBinaryErrors, TruncatedRecordNamesTheFileAndTheRecordSize) {
  TempDir dir("cifar_truncated");
  testing::write_cifar10(dir.path(), 1, 2, 2);
  std::vector<uint8_t> test = testing::read_bytes(dir.path() / "test_batch.bin");
  test.pop_back();
  write_bytes(dir.path() / "test_batch.bin", test);
  expect_error_mentions([&] { read_cifar_binary(dir.str()); },
                        {(dir.path() / "test_batch.bin").string(), "6145 bytes",
                         "not a whole number of 3073-byte CIFAR-10 records"});
}

TEST(CifarBinaryErrors, LabelOutOfRangeNamesTheRecord) {
  TempDir dir("cifar_label");
  testing::write_cifar10(dir.path(), 1, 2, 1);
  std::vector<uint8_t> batch = testing::read_bytes(dir.path() / "data_batch_1.bin");
  batch[3073] = 10;
  write_bytes(dir.path() / "data_batch_1.bin", batch);
  expect_error_mentions([&] { read_cifar_binary(dir.str()); },
                        {(dir.path() / "data_batch_1.bin").string(), "record 1", "label 10"});
}

TEST(CifarBinaryErrors, MissingFilesAreNamed) {
  TempDir dir("cifar_missing");
  expect_error_mentions([&] { read_cifar_binary(dir.str()); },
                        {dir.str(), "no CIFAR binary files", "data_batch_1.bin"});
  testing::write_cifar10(dir.path(), 1, 1, 1);
  fs::remove(dir.path() / "test_batch.bin");
  expect_error_mentions([&] { read_cifar_binary(dir.str()); },
                        {(dir.path() / "test_batch.bin").string(), "not found"});
  expect_error_mentions([] { read_cifar_binary("/nonexistent/cifar"); },
                        {"/nonexistent/cifar", "not found"});
}

}  // namespace
}  // namespace tinynas::datasets
