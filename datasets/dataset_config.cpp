#include "datasets/dataset_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "datasets/fashion_mnist.h"

namespace tinynas::datasets {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxDatasetSize = 100000000;
constexpr int64_t kMaxImageSide = 4096;
constexpr int64_t kMaxSeed = INT64_MAX;
constexpr double kMaxAspectRatio = 100.0;
constexpr double kRatioSumTolerance = 1e-6;

std::string resolve(const std::string& base_dir, const std::string& path) {
  fs::path p(path);
  if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
  return p.lexically_normal().string();
}

int size_field(const config::ObjectReader& d, const std::string& key, int64_t min,
               config::Presence presence) {
  return static_cast<int>(d.integer(key, min, kMaxDatasetSize, presence).value_or(0));
}

// A [low, high] pair within [min, max] with low <= high and low > 0.
std::optional<std::pair<double, double>> range(const config::ObjectReader& o,
                                               const std::string& key, double max) {
  const std::string expected =
      "[low, high] with 0 < low <= high <= " + std::to_string(max).substr(0, 5);
  const auto list = o.array(key, expected, config::kOptional, 2);
  if (!list) return std::nullopt;
  const auto values = list->numbers(0.0, max);
  if (!values) return std::nullopt;
  if (values->size() != 2 || !((*values)[0] > 0.0) || (*values)[0] > (*values)[1]) {
    o.add_error(key, expected, *o.get(key));
    return std::nullopt;
  }
  return std::make_pair((*values)[0], (*values)[1]);
}

void read_random_resized_crop(const config::ObjectReader& d, DatasetConfig& config) {
  const auto crop = d.object("random_resized_crop", config::kOptional);
  if (!crop) return;
  crop->reject_unknown_keys({"scale", "ratio"});
  RandomResizedCrop settings;
  if (const auto scale = range(*crop, "scale", 1.0)) {
    settings.min_scale = scale->first;
    settings.max_scale = scale->second;
  }
  if (const auto ratio = range(*crop, "ratio", kMaxAspectRatio)) {
    settings.min_ratio = ratio->first;
    settings.max_ratio = ratio->second;
  }
  config.random_resized_crop = settings;
}

void read_idx_files(const config::ObjectReader& d, const std::string& base_dir,
                    DatasetConfig& config) {
  const auto files = d.object("files", config::kOptional);
  if (!files) return;
  files->reject_unknown_keys({"train_images", "train_labels", "test_images", "test_labels"});
  const std::string dir = resolve(base_dir, config.path);
  const auto file = [&](const char* key) {
    const std::string name = files->string(key).value_or("");
    return name.empty() ? name : resolve(dir, name);
  };
  config.idx_files = IdxFiles{file("train_images"), file("train_labels"), file("test_images"),
                              file("test_labels")};
}

void read_image_size(const config::ObjectReader& d, ImageFolderOptions& folder) {
  const nlohmann::json* size = d.get("image_size");
  if (size == nullptr) return;
  const std::string expected =
      "an integer or [height, width], each 1.." + std::to_string(kMaxImageSide);
  const auto in_range = [](const nlohmann::json& v) {
    return v.is_number_integer() && v.get<int64_t>() >= 1 && v.get<int64_t>() <= kMaxImageSide;
  };
  if (in_range(*size)) {
    folder.height = folder.width = size->get<int>();
  } else if (size->is_array() && size->size() == 2 && in_range((*size)[0]) &&
             in_range((*size)[1])) {
    folder.height = (*size)[0].get<int>();
    folder.width = (*size)[1].get<int>();
  } else {
    d.add_error("image_size", expected, *size);
  }
}

void read_split(const config::ObjectReader& d, ImageFolderOptions& folder) {
  const auto split = d.object("split", config::kOptional);
  if (!split) return;
  split->reject_unknown_keys({"train", "validation", "test", "seed"});
  SplitRatios& r = folder.split;
  r.train = split->number("train", 0.0, 1.0).value_or(r.train);
  r.validation = split->number("validation", 0.0, 1.0, config::kOptional).value_or(0.0);
  r.test = split->number("test", 0.0, 1.0).value_or(r.test);
  if (!(r.train > 0.0)) split->add_error("train", "a ratio > 0", r.train);
  if (!(r.test > 0.0))
    split->add_error("test", "a ratio > 0 (the test split is what export --verify and eval use)",
                     r.test);
  if (std::abs(r.train + r.validation + r.test - 1.0) > kRatioSumTolerance) {
    d.add_error("split", "train + validation + test == 1", *d.get("split"));
  }
  folder.split_seed =
      static_cast<uint64_t>(split->integer("seed", 0, kMaxSeed, config::kOptional).value_or(1));
}

// Keys that only some kinds take.
void reject_for_other_kinds(const config::ObjectReader& d, const std::string& kind) {
  const std::pair<const char*, std::vector<std::string>> owners[] = {
      {"files", {kIdxKind}},
      {"transpose", {kIdxKind}},
      {"class_names", {kIdxKind, kCifarBinaryKind}},
      {"label", {kCifarBinaryKind}},
      {"channels", {kImageFolderKind}},
      {"image_size", {kImageFolderKind}},
      {"split", {kImageFolderKind}},
      {"skip_unreadable", {kImageFolderKind}},
      {"cache", {kImageFolderKind}},
      {"synthetic_train_size", {kSyntheticKind}},
      {"classes", {kIdxKind, kFashionMnistKind, kCifarBinaryKind, kImageFolderKind}},
      {"transform", {kIdxKind, kFashionMnistKind, kCifarBinaryKind, kImageFolderKind}},
      {"synthetic_test_size", {kSyntheticKind}}};
  for (const auto& [key, kinds] : owners) {
    if (!d.has(key) || std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) continue;
    std::string names;
    for (const std::string& k : kinds) names += (names.empty() ? "\"" : ", \"") + k + "\"";
    d.add_error(key, std::string("no such key for kind \"") + kind + "\" (only " + names + ")",
                *d.get(key));
  }
}

// "classes": distinct labels, at least two (a classifier needs two); whether each is a label of
// the data is known only once it is read (load_dataset).
void read_classes(const config::ObjectReader& d, DatasetConfig& config) {
  const std::string expected = "an array of at least 2 distinct class labels (integers >= 0)";
  const auto list = d.array("classes", expected, config::kOptional, 2);
  if (!list) return;
  const auto labels = list->integers(0, kMaxDatasetSize);
  if (!labels) return;
  for (size_t i = 0; i < labels->size(); ++i) {
    if (std::find(labels->begin(), labels->begin() + static_cast<std::ptrdiff_t>(i),
                  (*labels)[i]) != labels->begin() + static_cast<std::ptrdiff_t>(i)) {
      list->add_error(i, "a class not listed before it", list->at(i));
      return;
    }
  }
  config.classes.assign(labels->begin(), labels->end());
}

}  // namespace

DatasetConfig read_dataset_config(const config::ObjectReader& d, const std::string& base_dir) {
  d.reject_unknown_keys({"kind",
                         "path",
                         "validation_size",
                         "validation_seed",
                         "train_size",
                         "synthetic_train_size",
                         "synthetic_test_size",
                         "horizontal_flip",
                         "random_resized_crop",
                         "eval_crop",
                         "files",
                         "class_names",
                         "transpose",
                         "label",
                         "channels",
                         "image_size",
                         "split",
                         "skip_unreadable",
                         "cache",
                         "classes",
                         "transform"});
  DatasetConfig config;
  const auto kind = d.one_of(
      "kind", {kIdxKind, kFashionMnistKind, kCifarBinaryKind, kImageFolderKind, kSyntheticKind});
  config.kind = kind.value_or(config.kind);
  const bool needs_path =
      kind && (*kind == kIdxKind || *kind == kCifarBinaryKind || *kind == kImageFolderKind);
  if (const auto path = d.string("path", needs_path ? config::kRequired : config::kOptional)) {
    config.path = resolve(base_dir, *path);
    std::error_code error;
    if (!fs::is_directory(config.path, error)) {
      d.add_error("path", "an existing folder of the dataset files",
                  "\"" + config.path + "\" (no such folder)");
    }
  }
  if (kind) reject_for_other_kinds(d, *kind);
  config.validation_size = size_field(d, "validation_size", 0, config::kOptional);
  if (const auto seed = d.integer("validation_seed", 0, kMaxSeed, config::kOptional)) {
    config.validation_seed = static_cast<uint64_t>(*seed);
  }
  config.train_size = size_field(d, "train_size", 0, config::kOptional);
  const config::Presence synthetic =
      kind && *kind == kSyntheticKind ? config::kRequired : config::kOptional;
  config.synthetic_train_size = size_field(d, "synthetic_train_size", 1, synthetic);
  config.synthetic_test_size = size_field(d, "synthetic_test_size", 1, synthetic);
  config.horizontal_flip = d.boolean("horizontal_flip", config::kOptional).value_or(false);
  read_random_resized_crop(d, config);
  if (const auto crop = d.number("eval_crop", 0.0, 1.0, config::kOptional)) {
    if (*crop > 0.0) {
      config.eval_crop = *crop;
    } else {
      d.add_error("eval_crop", "a fraction in (0, 1]", *crop);
    }
  }
  read_classes(d, config);
  if (const auto transform = d.one_of("transform", image_transform_names(), config::kOptional)) {
    config.transform = *parse_image_transform(*transform);
  }
  read_idx_files(d, base_dir, config);
  if (const auto names =
          d.array("class_names", "a non-empty array of strings", config::kOptional, 1)) {
    config.class_names = names->strings().value_or(std::vector<std::string>{});
  }
  config.transpose = d.boolean("transpose", config::kOptional).value_or(false);
  if (const auto label = d.one_of("label", {"fine", "coarse"}, config::kOptional)) {
    config.cifar_label = *label == "coarse" ? CifarLabel::kCoarse : CifarLabel::kFine;
  }
  if (const auto channels = d.integer("channels", 1, 3, config::kOptional)) {
    if (*channels == 2) d.add_error("channels", "1 (grey) or 3 (RGB)", *channels);
    config.folder.channels = static_cast<int>(*channels);
  }
  read_image_size(d, config.folder);
  read_split(d, config.folder);
  config.folder.skip_unreadable = d.boolean("skip_unreadable", config::kOptional).value_or(false);
  config.folder.cache_file = d.boolean("cache", config::kOptional).value_or(true);
  return config;
}

DatasetConfig parse_dataset_config(const nlohmann::json& object, const std::string& origin,
                                   const std::string& base_dir) {
  config::FieldErrors errors;
  const config::ObjectReader reader(object, "dataset", errors);
  DatasetConfig config = read_dataset_config(reader, base_dir);
  errors.throw_if_any(origin);
  return config;
}

std::string dataset_folder(const DatasetConfig& config) {
  if (config.path.empty() && config.kind == kFashionMnistKind) return kFashionMnistDefaultDir;
  return config.path;
}

}  // namespace tinynas::datasets
