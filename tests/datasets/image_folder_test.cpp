// Image folders: both layouts, the seeded split, PNG / JPEG / BMP decoding, conversion to one
// channel count and size, the decoded-image cache, and a clear error naming the file or folder
// for every way a folder can be wrong.
#include "datasets/image_folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "datasets/dataset_error.h"
#include "datasets/image_decoding.h"
#include "datasets/image_encoding.h"
#include "tests/datasets/dataset_test_files.h"

namespace tinynas::datasets {
namespace {

namespace fs = std::filesystem;
using testing::class_image;
using testing::expect_error_mentions;
using testing::TempDir;
using testing::write_class_folders;

ImageFolderOptions no_cache() {
  ImageFolderOptions options;
  options.cache_file = false;
  return options;
}

std::multiset<std::vector<uint8_t>> images_of(const LabeledImages& images) {
  std::multiset<std::vector<uint8_t>> out;
  for (std::size_t i = 0; i < images.size(); ++i) {
    out.insert(std::vector<uint8_t>(images.image(i), images.image(i) + images.image_bytes()));
  }
  return out;
}

TEST(ImageFolder, ClassFoldersAreSplitPerClassBySeededRatios) {
  TempDir dir("folder_split");
  write_class_folders(dir.path(), {"cat", "dog", "emu"}, 10, 3, 8);
  ImageFolderOptions options = no_cache();
  options.split = {0.6, 0.2, 0.2};
  const ImageFolderDataset a = load_image_folder(dir.str(), options);
  EXPECT_EQ(a.class_names, (std::vector<std::string>{"cat", "dog", "emu"}));
  ASSERT_TRUE(a.validation && a.test);
  EXPECT_EQ(a.train.size(), 18u);
  EXPECT_EQ(a.validation->size(), 6u);
  EXPECT_EQ(a.test->size(), 6u);
  EXPECT_EQ(a.train.channels, 3);
  EXPECT_EQ(a.train.height, 8);
  EXPECT_EQ(a.train.num_classes, 3);
  for (int label : {0, 1, 2}) {  // every class in every part
    EXPECT_EQ(std::count(a.test->labels.begin(), a.test->labels.end(), label), 2);
  }
  // The parts are disjoint and together are every image.
  std::multiset<std::vector<uint8_t>> all = images_of(a.train);
  for (const auto& image : images_of(*a.validation)) all.insert(image);
  for (const auto& image : images_of(*a.test)) all.insert(image);
  EXPECT_EQ(std::set<std::vector<uint8_t>>(all.begin(), all.end()).size(), 30u);

  const ImageFolderDataset again = load_image_folder(dir.str(), options);
  EXPECT_EQ(again.test->pixels, a.test->pixels);
  EXPECT_EQ(again.train.labels, a.train.labels);
  options.split_seed = 2;
  const ImageFolderDataset other_seed = load_image_folder(dir.str(), options);
  EXPECT_NE(other_seed.test->pixels, a.test->pixels);
}

TEST(ImageFolder, TrainValTestFoldersAreUsedAsTheyAre) {
  TempDir dir("folder_parts");
  write_class_folders(dir.path() / "train", {"a", "b"}, 4, 1, 6, 1);
  write_class_folders(dir.path() / "val", {"a", "b"}, 2, 1, 6, 2);
  write_class_folders(dir.path() / "test", {"a", "b"}, 3, 1, 6, 3);
  const ImageFolderDataset d = load_image_folder(dir.str(), no_cache());
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.train.size(), 8u);
  ASSERT_TRUE(d.validation && d.test);
  EXPECT_EQ(d.validation->size(), 4u);
  EXPECT_EQ(d.test->size(), 6u);
  EXPECT_EQ(d.train.channels, 1);
  // Files in sorted order: train/a/0.png is the first training image.
  const DecodedImage first = decode_image_file((dir.path() / "train/a/0.png").string());
  EXPECT_EQ(std::vector<uint8_t>(d.train.image(0), d.train.image(0) + 36), first.pixels);
}

TEST(ImageFolder, PngJpegAndBmpDecodeToTheSamePixels) {
  TempDir dir("folder_formats");
  const DecodedImage rgb = class_image(1, 3, 3, 12, 10, 5);
  write_png(rgb, (dir.path() / "a.png").string());
  write_bmp(rgb, (dir.path() / "a.bmp").string());
  write_jpeg(rgb, (dir.path() / "a.jpg").string(), 100);
  const DecodedImage png = decode_image_file((dir.path() / "a.png").string());
  const DecodedImage bmp = decode_image_file((dir.path() / "a.bmp").string());
  const DecodedImage jpg = decode_image_file((dir.path() / "a.jpg").string());
  EXPECT_EQ(png.pixels, rgb.pixels);
  EXPECT_EQ(bmp.pixels, rgb.pixels);
  ASSERT_EQ(jpg.pixels.size(), rgb.pixels.size());
  EXPECT_EQ(jpg.height, 12);
  EXPECT_EQ(jpg.width, 10);
  double error = 0;
  for (std::size_t i = 0; i < rgb.pixels.size(); ++i) {
    error += std::abs(int(jpg.pixels[i]) - int(rgb.pixels[i]));
  }
  EXPECT_LT(error / static_cast<double>(rgb.pixels.size()), 8.0);  // lossy, but close
  const DecodedImage grey = class_image(0, 2, 1, 5, 7, 1);
  write_bmp(grey, (dir.path() / "g.bmp").string());
  write_png(grey, (dir.path() / "g.png").string());
  EXPECT_EQ(decode_image_file((dir.path() / "g.bmp").string()).pixels, grey.pixels);
  EXPECT_EQ(decode_image_file((dir.path() / "g.png").string()).channels, 1);
}

TEST(ImageFolder, ChannelsAndImageSizeConvertEveryImage) {
  TempDir dir("folder_convert");
  write_class_folders(dir.path() / "train", {"x", "y"}, 2, 3, 16);
  write_class_folders(dir.path() / "test", {"x", "y"}, 1, 1, 12);  // grey and smaller
  ImageFolderOptions options = no_cache();
  options.channels = 1;
  options.height = options.width = 8;
  const ImageFolderDataset d = load_image_folder(dir.str(), options);
  EXPECT_EQ(d.train.channels, 1);
  EXPECT_EQ(d.train.height, 8);
  EXPECT_EQ(d.test->width, 8);
  EXPECT_EQ(d.test->pixels.size(), 2u * 64u);
}

TEST(ImageFolder, DecodedImagesAreCachedAndTheCacheFollowsTheFiles) {
  TempDir dir("folder_cache");
  write_class_folders(dir.path(), {"a", "b"}, 5, 3, 8);
  ImageFolderOptions options;
  options.split = {0.6, 0.2, 0.2};
  const ImageFolderDataset first = load_image_folder(dir.str(), options);
  EXPECT_NE(first.cache.find("decoded 10 files"), std::string::npos) << first.cache;
  EXPECT_TRUE(fs::exists(dir.path() / kImageCacheFile));
  const ImageFolderDataset cached = load_image_folder(dir.str(), options);
  EXPECT_NE(cached.cache.find("read 10 decoded images"), std::string::npos) << cached.cache;
  EXPECT_EQ(cached.train.pixels, first.train.pixels);
  EXPECT_EQ(cached.test->labels, first.test->labels);
  // A changed file (another size) is decoded again, not read from the cache.
  write_png(class_image(1, 2, 3, 8, 8, 777), (dir.path() / "b/extra.png").string());
  const ImageFolderDataset changed = load_image_folder(dir.str(), options);
  EXPECT_NE(changed.cache.find("decoded 11 files"), std::string::npos) << changed.cache;
  // So are other decoding settings.
  options.channels = 1;
  EXPECT_NE(load_image_folder(dir.str(), options).cache.find("decoded"), std::string::npos);
  // A corrupt cache file is ignored.
  testing::write_bytes(dir.path() / kImageCacheFile, {1, 2, 3});
  EXPECT_EQ(load_image_folder(dir.str(), options).train.size(), changed.train.size());
}

TEST(ImageFolderErrors, MissingRootNamesIt) {
  expect_error_mentions([] { load_image_folder("/nonexistent/photos", no_cache()); },
                        {"/nonexistent/photos", "not found"});
}

TEST(ImageFolderErrors, OneClassIsNotAClassifier) {
  TempDir dir("folder_one_class");
  write_class_folders(dir.path(), {"only"}, 3, 1, 4);
  expect_error_mentions([&] { load_image_folder(dir.str(), no_cache()); },
                        {dir.str(), "1 class folder(s) 'only'", "at least 2"});
}

TEST(ImageFolderErrors, EmptyClassFolderIsNamed) {
  TempDir dir("folder_empty_class");
  write_class_folders(dir.path(), {"a", "b"}, 3, 1, 4);
  fs::create_directories(dir.path() / "c");
  expect_error_mentions([&] { load_image_folder(dir.str(), no_cache()); },
                        {(dir.path() / "c").string(), "no images"});
}

TEST(ImageFolderErrors, UnreadableFilesAreNamedOrSkippedWhenTheJobSaysSo) {
  TempDir dir("folder_unreadable");
  write_class_folders(dir.path(), {"a", "b"}, 6, 3, 8);
  // A corrupt PNG (bad data after a good header), a truncated JPEG, a text file.
  std::vector<uint8_t> png = testing::read_bytes(dir.path() / "a/0.png");
  for (std::size_t i = png.size() / 2; i < png.size(); ++i) png[i] ^= 0x5A;
  testing::write_bytes(dir.path() / "a/corrupt.png", png);
  write_jpeg(class_image(1, 2, 3, 8, 8, 3), (dir.path() / "b/whole.jpg").string());
  std::vector<uint8_t> jpg = testing::read_bytes(dir.path() / "b/whole.jpg");
  jpg.resize(jpg.size() / 2);
  testing::write_bytes(dir.path() / "b/truncated.jpg", jpg);
  std::ofstream(dir.path() / "b/notes.txt") << "not an image";
  std::ofstream(dir.path() / "b/fake.png") << "not a png either";
  ImageFolderOptions options = no_cache();
  expect_error_mentions(
      [&] { load_image_folder(dir.str(), options); },
      {"4 unreadable file(s)", (dir.path() / "a/corrupt.png").string(),
       (dir.path() / "b/truncated.jpg").string() + ": corrupt or truncated JPEG",
       (dir.path() / "b/notes.txt").string() + ": not an image file",
       (dir.path() / "b/fake.png").string() + ": not a PNG, JPEG or BMP", "skip_unreadable"});
  options.skip_unreadable = true;
  const ImageFolderDataset d = load_image_folder(dir.str(), options);
  ASSERT_EQ(d.skipped.size(), 4u);
  EXPECT_EQ(d.train.size() + d.validation->size() + d.test->size(), 13u);  // 12 + whole.jpg
}

TEST(ImageFolderErrors, MixedSizesAndChannelsNameBothFilesAndTheFix) {
  TempDir dir("folder_mixed");
  write_class_folders(dir.path(), {"a", "b"}, 3, 3, 8);
  write_png(class_image(0, 2, 3, 9, 8, 1), (dir.path() / "b/tall.png").string());
  expect_error_mentions(
      [&] { load_image_folder(dir.str(), no_cache()); },
      {"differ in size", (dir.path() / "b/tall.png").string(), "8x9 RGB", "image_size"});
  fs::remove(dir.path() / "b/tall.png");
  write_png(class_image(0, 2, 1, 8, 8, 1), (dir.path() / "b/grey.png").string());
  expect_error_mentions(
      [&] { load_image_folder(dir.str(), no_cache()); },
      {"differ in channels", (dir.path() / "b/grey.png").string(), "8x8 grey", "dataset.channels"});
}

TEST(ImageFolderErrors, ClassFolderNameThatIsNotUtf8IsEscaped) {
  TempDir dir("folder_utf8");
  write_class_folders(dir.path(), {"a", "caf\xe9"}, 2, 1, 4);
  expect_error_mentions([&] { load_image_folder(dir.str(), no_cache()); },
                        {"caf\\xe9", "not valid UTF-8"});
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));  // overlong
}

TEST(ImageFolderErrors, TooFewImagesForTheRatiosNamesTheClass) {
  TempDir dir("folder_few");
  write_class_folders(dir.path(), {"a", "b"}, 1, 1, 4);
  ImageFolderOptions options = no_cache();
  options.split = {0.5, 0.0, 0.5};
  expect_error_mentions([&] { load_image_folder(dir.str(), options); },
                        {"class 'a' has 1 image(s)", "too few to split"});
}

TEST(ImageFolderErrors, SplitFoldersWithAClassNotInTrainNameIt) {
  TempDir dir("folder_stray");
  write_class_folders(dir.path() / "train", {"a", "b"}, 2, 1, 4);
  write_class_folders(dir.path() / "test", {"a", "z"}, 1, 1, 4);
  expect_error_mentions([&] { load_image_folder(dir.str(), no_cache()); },
                        {(dir.path() / "test/z").string(), "class 'z' has no folder"});
}

}  // namespace
}  // namespace tinynas::datasets
