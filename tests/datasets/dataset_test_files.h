// Small datasets written to a temporary folder for tests: image folders (PNG, JPEG, BMP) and
// CIFAR binary files whose images are seeded patterns that depend on their class, so a network
// can learn them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "datasets/cifar_binary.h"
#include "datasets/dataset_error.h"
#include "datasets/image_decoding.h"
#include "datasets/image_encoding.h"

namespace tinynas::datasets::testing {

// A folder removed with everything in it when the test ends.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("tinynas_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Expects f() to throw a DatasetError whose message holds every needle.
inline void expect_error_mentions(const std::function<void()>& f,
                                  const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "expected a DatasetError";
  } catch (const DatasetError& e) {
    for (const std::string& needle : needles) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "'" << needle << "' not in: " << e.what();
    }
  }
}

// An image of class `label`: a bright horizontal band whose row depends on the label, one
// channel tinted per label, on seeded noise. HWC, as DecodedImage holds pixels.
inline DecodedImage class_image(int label, int classes, int channels, int height, int width,
                                uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> noise(0, 40);
  DecodedImage image{channels, height, width, {}};
  image.pixels.resize(static_cast<std::size_t>(channels) * height * width);
  const int band = label * height / classes;
  const int band_height = std::max(1, height / classes);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        int value = noise(rng);
        if (y >= band && y < band + band_height) value += 180;
        if (channels > 1 && c == label % channels) value += 30;
        image.pixels[(static_cast<std::size_t>(y) * width + x) * channels + c] =
            static_cast<uint8_t>(std::min(value, 255));
      }
    }
  }
  return image;
}

inline void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

// `per_class` PNG images of each class in dir/<class name>/<i>.png.
inline void write_class_folders(const std::filesystem::path& dir,
                                const std::vector<std::string>& classes, int per_class,
                                int channels, int side, uint64_t seed = 1) {
  for (std::size_t c = 0; c < classes.size(); ++c) {
    std::filesystem::create_directories(dir / classes[c]);
    for (int i = 0; i < per_class; ++i) {
      write_png(class_image(static_cast<int>(c), static_cast<int>(classes.size()), channels, side,
                            side, seed * 1000 + c * 100 + static_cast<uint64_t>(i)),
                (dir / classes[c] / (std::to_string(i) + ".png")).string());
    }
  }
}

// CIFAR-10 binary records (1 label byte, then the red, green and blue planes) of `count`
// images cycling through `classes` classes.
inline std::vector<uint8_t> cifar10_records(int count, int classes, uint64_t seed) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < count; ++i) {
    const int label = i % classes;
    const DecodedImage image = class_image(label, classes, kCifarChannels, kCifarSide, kCifarSide,
                                           seed * 100000 + static_cast<uint64_t>(i));
    bytes.push_back(static_cast<uint8_t>(label));
    for (int c = 0; c < kCifarChannels; ++c) {
      for (int p = 0; p < kCifarSide * kCifarSide; ++p) {
        bytes.push_back(image.pixels[static_cast<std::size_t>(p) * kCifarChannels + c]);
      }
    }
  }
  return bytes;
}

// A CIFAR-10 folder: data_batch_1..batches.bin with `train_per_batch` records each,
// test_batch.bin with `test` records, batches.meta.txt with the 10 class names.
inline void write_cifar10(const std::filesystem::path& dir, int batches, int train_per_batch,
                          int test, int classes = 10) {
  std::filesystem::create_directories(dir);
  for (int b = 1; b <= batches; ++b) {
    write_bytes(dir / ("data_batch_" + std::to_string(b) + ".bin"),
                cifar10_records(train_per_batch, classes, static_cast<uint64_t>(b)));
  }
  write_bytes(dir / "test_batch.bin", cifar10_records(test, classes, 99));
  std::ofstream(dir / "batches.meta.txt")
      << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
}

}  // namespace tinynas::datasets::testing
