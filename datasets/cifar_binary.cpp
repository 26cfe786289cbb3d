#include "datasets/cifar_binary.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {
namespace {

namespace fs = std::filesystem;

constexpr int kCifar10Classes = 10;
constexpr int kCifar100Fine = 100;
constexpr int kCifar100Coarse = 20;
constexpr int kMaxBatches = 1000;

struct Variant {
  std::string name;
  int label_bytes = 1;
  int label_index = 0;  // which label byte is the class
  int classes = 0;
};

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError(path.string() + ": cannot open file");
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

void append_records(const fs::path& path, const Variant& v, LabeledImages& out) {
  const std::vector<uint8_t> bytes = read_bytes(path);
  const std::size_t record = static_cast<std::size_t>(v.label_bytes) + kCifarImageBytes;
  if (bytes.empty() || bytes.size() % record != 0) {
    throw DatasetError(path.string() + ": " + std::to_string(bytes.size()) +
                       " bytes is not a whole number of " + std::to_string(record) + "-byte " +
                       v.name + " records (" + std::to_string(v.label_bytes) + " label byte(s) + " +
                       std::to_string(kCifarImageBytes) + " pixels)");
  }
  const std::size_t count = bytes.size() / record;
  for (std::size_t r = 0; r < count; ++r) {
    const uint8_t* rec = bytes.data() + r * record;
    const int label = rec[v.label_index];
    if (label >= v.classes) {
      throw DatasetError(path.string() + ": record " + std::to_string(r) + ": label " +
                         std::to_string(label) + " is not a class of " + v.name + " (0.." +
                         std::to_string(v.classes - 1) + ")");
    }
    out.labels.push_back(label);
    out.pixels.insert(out.pixels.end(), rec + v.label_bytes, rec + record);
  }
}

std::vector<std::string> class_names(const fs::path& file, int classes) {
  std::vector<std::string> names;
  std::ifstream in(file);
  for (std::string line; in && std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (static_cast<int>(names.size()) != classes) {
    names.clear();
    for (int c = 0; c < classes; ++c) names.push_back(std::to_string(c));
  }
  return names;
}

LabeledImages empty_part(const std::string& name, int classes) {
  LabeledImages part;
  part.name = name;
  part.channels = kCifarChannels;
  part.height = kCifarSide;
  part.width = kCifarSide;
  part.num_classes = classes;
  return part;
}

}  // namespace

CifarDataset read_cifar_binary(const std::string& dir_path, CifarLabel label) {
  const fs::path dir(dir_path);
  std::error_code error;
  if (!fs::is_directory(dir, error)) throw DatasetError(dir_path + ": dataset folder not found");
  CifarDataset result;
  Variant v;
  std::vector<fs::path> train_files;
  fs::path test_file;
  fs::path names_file;
  if (fs::exists(dir / "data_batch_1.bin", error)) {
    v = {"CIFAR-10", 1, 0, kCifar10Classes};
    for (int b = 1;
         b <= kMaxBatches && fs::exists(dir / ("data_batch_" + std::to_string(b) + ".bin"), error);
         ++b) {
      train_files.push_back(dir / ("data_batch_" + std::to_string(b) + ".bin"));
    }
    test_file = dir / "test_batch.bin";
    names_file = dir / "batches.meta.txt";
  } else if (fs::exists(dir / "train.bin", error)) {
    const bool fine = label == CifarLabel::kFine;
    v = {"CIFAR-100", 2, fine ? 1 : 0, fine ? kCifar100Fine : kCifar100Coarse};
    train_files.push_back(dir / "train.bin");
    test_file = dir / "test.bin";
    names_file = dir / (fine ? "fine_label_names.txt" : "coarse_label_names.txt");
  } else {
    throw DatasetError(dir_path +
                       ": no CIFAR binary files (expected data_batch_1.bin ... and test_batch.bin "
                       "of CIFAR-10, or train.bin and test.bin of CIFAR-100)");
  }
  if (!fs::exists(test_file, error)) throw DatasetError(test_file.string() + ": file not found");
  result.variant = v.name;
  result.class_names = class_names(names_file, v.classes);
  result.train = empty_part(dir_path + "/train", v.classes);
  result.test = empty_part(dir_path + "/test", v.classes);
  for (const fs::path& file : train_files) append_records(file, v, result.train);
  append_records(test_file, v, result.test);
  return result;
}

}  // namespace tinynas::datasets
