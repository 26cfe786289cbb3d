#include "datasets/image_folder.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "datasets/dataset_error.h"
#include "datasets/image_cache_file.h"
#include "datasets/image_decoding.h"
#include "datasets/image_geometry.h"

namespace tinynas::datasets {
namespace {

namespace fs = std::filesystem;

constexpr int kGrey = 1;
constexpr int kRgb = 3;
constexpr int kMinClasses = 2;
constexpr std::size_t kMaxListedErrors = 20;
// ITU-R BT.601 luma, as PIL's convert("L"), in 1/1000.
constexpr int kLumaRed = 299;
constexpr int kLumaGreen = 587;
constexpr int kLumaBlue = 114;
constexpr int kLumaScale = 1000;

enum Part { kTrainPart = 0, kValidationPart = 1, kTestPart = 2, kUnsplit = -1 };

struct Entry {
  std::string path;
  int label = 0;
  int part = kUnsplit;
  bool image_extension = true;
};

std::string part_folder_name(const fs::path& root, const char* a, const char* b = nullptr) {
  std::error_code error;
  if (fs::is_directory(root / a, error)) return a;
  if (b != nullptr && fs::is_directory(root / b, error)) return b;
  return "";
}

std::vector<fs::path> sorted_children(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!name.empty() && name[0] == '.') continue;  // hidden: .DS_Store, our cache
    std::error_code error;
    if (directories ? e.is_directory(error) : e.is_regular_file(error)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void check_class_name(const fs::path& folder) {
  const std::string name = folder.filename().string();
  if (!is_valid_utf8(name)) {
    throw DatasetError(folder.parent_path().string() + "/" + escape_bytes(name) +
                       ": class folder name is not valid UTF-8 (class names go into JSON, the "
                       "report and model.h): rename the folder");
  }
}

// Every file below `class_dir` (recursively, sorted), hidden ones left out.
void list_class_files(const fs::path& class_dir, int label, int part, std::vector<Entry>& out) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(class_dir);
       it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    std::error_code error;
    if (it->is_regular_file(error)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    throw DatasetError(class_dir.string() +
                       ": class folder has no images (every class needs at "
                       "least one; remove the folder to drop the class)");
  }
  for (const fs::path& file : files) {
    out.push_back({file.string(), label, part, has_image_extension(file.string())});
  }
}

struct Scan {
  std::vector<std::string> class_names;
  std::vector<Entry> entries;
  bool split_folders = false;
  std::string layout;
};

Scan scan(const fs::path& root) {
  std::error_code error;
  if (!fs::exists(root, error)) throw DatasetError(root.string() + ": dataset folder not found");
  if (!fs::is_directory(root, error)) throw DatasetError(root.string() + ": not a folder");
  Scan result;
  const std::string train = part_folder_name(root, "train");
  const fs::path class_root = train.empty() ? root : root / train;
  for (const fs::path& dir : sorted_children(class_root, true)) {
    check_class_name(dir);
    result.class_names.push_back(dir.filename().string());
  }
  if (result.class_names.size() < static_cast<std::size_t>(kMinClasses)) {
    std::string found;
    for (const std::string& name : result.class_names) found += " '" + name + "'";
    throw DatasetError(class_root.string() + ": " + std::to_string(result.class_names.size()) +
                       " class folder(s)" + found + ": a classifier needs at least " +
                       std::to_string(kMinClasses) + " (expected " + class_root.string() +
                       "/<class>/<image files>)");
  }
  if (train.empty()) {
    for (std::size_t c = 0; c < result.class_names.size(); ++c) {
      list_class_files(root / result.class_names[c], static_cast<int>(c), kUnsplit, result.entries);
    }
    result.layout = "class folders in " + root.string();
    return result;
  }
  result.split_folders = true;
  const std::string validation = part_folder_name(root, "val", "validation");
  const std::string test = part_folder_name(root, "test");
  result.layout = "split folders " + train + "/" +
                  (validation.empty() ? "" : ", " + validation + "/") +
                  (test.empty() ? "" : ", " + test + "/") + " in " + root.string();
  const std::pair<std::string, int> parts[] = {
      {train, kTrainPart}, {validation, kValidationPart}, {test, kTestPart}};
  for (const auto& [folder, part] : parts) {
    if (folder.empty()) continue;
    for (const fs::path& dir : sorted_children(root / folder, true)) {
      check_class_name(dir);
      const auto it =
          std::find(result.class_names.begin(), result.class_names.end(), dir.filename().string());
      if (it == result.class_names.end()) {
        throw DatasetError(dir.string() + ": class '" + dir.filename().string() +
                           "' has no folder in " + (root / train).string() +
                           " (every class must have training images)");
      }
      list_class_files(dir, static_cast<int>(it - result.class_names.begin()), part,
                       result.entries);
    }
  }
  return result;
}

// The cache key: every file's path, size and modification time, and the decoding settings.
std::string cache_key(const fs::path& root, const Scan& s, const ImageFolderOptions& options) {
  std::string key = "channels=" + std::to_string(options.channels) +
                    " size=" + std::to_string(options.height) + "x" +
                    std::to_string(options.width) + "\n";
  for (const Entry& e : s.entries) {
    std::error_code error;
    const auto size = fs::file_size(e.path, error);
    const auto time = fs::last_write_time(e.path, error).time_since_epoch().count();
    key += fs::path(e.path).lexically_relative(root).string() + "\t" + std::to_string(size) + "\t" +
           std::to_string(time) + "\n";
  }
  return key;
}

// HWC grey or RGB -> CHW with `channels` channels.
std::vector<uint8_t> to_chw(const DecodedImage& image, int channels) {
  const std::size_t pixels = static_cast<std::size_t>(image.height) * image.width;
  std::vector<uint8_t> out(pixels * static_cast<std::size_t>(channels));
  for (std::size_t p = 0; p < pixels; ++p) {
    const uint8_t* px = image.pixels.data() + p * static_cast<std::size_t>(image.channels);
    if (channels == image.channels) {
      for (int c = 0; c < channels; ++c) out[c * pixels + p] = px[c];
    } else if (channels == kRgb) {  // grey -> RGB
      for (int c = 0; c < kRgb; ++c) out[c * pixels + p] = px[0];
    } else {  // RGB -> grey
      out[p] = static_cast<uint8_t>(
          (kLumaRed * px[0] + kLumaGreen * px[1] + kLumaBlue * px[2] + kLumaScale / 2) /
          kLumaScale);
    }
  }
  return out;
}

struct Decoded {
  std::optional<DecodedImage> image;  // converted to the options' channels and size
  std::string error;
};

Decoded decode_entry(const Entry& entry, const ImageFolderOptions& options) {
  Decoded result;
  if (!entry.image_extension) {
    result.error = entry.path + ": not an image file (expected .png, .jpg, .jpeg or .bmp)";
    return result;
  }
  try {
    DecodedImage image = decode_image_file(entry.path);
    const int channels = options.channels > 0 ? options.channels : image.channels;
    std::vector<uint8_t> chw = to_chw(image, channels);
    DecodedImage out;
    out.channels = channels;
    out.height = image.height;
    out.width = image.width;
    if (options.height > 0 && (image.height != options.height || image.width != options.width)) {
      out.height = options.height;
      out.width = options.width;
      out.pixels.resize(static_cast<std::size_t>(channels) * options.height * options.width);
      const CropBox box =
          center_crop_box(image.height, image.width, options.height, options.width, 1.0);
      resize_box(chw.data(), channels, image.height, image.width, box, out.pixels.data(),
                 options.height, options.width);
    } else {
      out.pixels = std::move(chw);
    }
    result.image = std::move(out);
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

std::vector<Decoded> decode_all(const std::vector<Entry>& entries,
                                const ImageFolderOptions& options) {
  std::vector<Decoded> results(entries.size());
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads = std::min<std::size_t>(
      entries.size(), options.threads > 0 ? static_cast<std::size_t>(options.threads) : hardware);
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < entries.size(); i = next++) {
      results[i] = decode_entry(entries[i], options);
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return results;
}

std::string shape_text(const DecodedImage& image) {
  return std::to_string(image.width) + "x" + std::to_string(image.height) + " " +
         (image.channels == kGrey ? "grey" : "RGB");
}

// The decoded images as one cache record: the common shape, then each file's pixels or error.
CachedImages pack(const std::vector<Entry>& entries, std::vector<Decoded>& decoded) {
  CachedImages cached;
  const Decoded* first = nullptr;
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    const Decoded& d = decoded[i];
    if (!d.image) continue;
    if (first == nullptr) {
      first = &d;
      continue;
    }
    const DecodedImage& a = *first->image;
    const DecodedImage& b = *d.image;
    const std::size_t a_index = static_cast<std::size_t>(first - decoded.data());
    if (a.channels != b.channels) {
      throw DatasetError("images differ in channels: " + entries[a_index].path + " is " +
                         shape_text(a) + ", " + entries[i].path + " is " + shape_text(b) +
                         ": set dataset.channels to 1 (grey) or 3 (RGB) to convert them all");
    }
    if (a.height != b.height || a.width != b.width) {
      throw DatasetError("images differ in size: " + entries[a_index].path + " is " +
                         shape_text(a) + ", " + entries[i].path + " is " + shape_text(b) +
                         ": set dataset.image_size [height, width] to resize them all (shorter "
                         "side first, then centre crop)");
    }
  }
  if (first != nullptr) {
    cached.channels = first->image->channels;
    cached.height = first->image->height;
    cached.width = first->image->width;
  }
  cached.errors.resize(decoded.size());
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    if (decoded[i].image) {
      cached.pixels.insert(cached.pixels.end(), decoded[i].image->pixels.begin(),
                           decoded[i].image->pixels.end());
      decoded[i].image.reset();
    } else {
      cached.errors[i] = decoded[i].error;
    }
  }
  return cached;
}

void throw_unreadable(const std::vector<SkippedFile>& unreadable) {
  std::string message = std::to_string(unreadable.size()) + " unreadable file(s):";
  for (std::size_t i = 0; i < unreadable.size() && i < kMaxListedErrors; ++i) {
    message += "\n  " + unreadable[i].reason;
  }
  if (unreadable.size() > kMaxListedErrors) {
    message += "\n  ... and " + std::to_string(unreadable.size() - kMaxListedErrors) + " more";
  }
  message +=
      "\nfix or remove them, or set \"skip_unreadable\": true in the job's dataset to skip them";
  throw DatasetError(message);
}

LabeledImages empty_part(const std::string& name, const CachedImages& cached, int classes) {
  LabeledImages part;
  part.name = name;
  part.channels = cached.channels;
  part.height = cached.height;
  part.width = cached.width;
  part.num_classes = classes;
  return part;
}

// Seeded, per class (so every class is in every part): the first round(n * test) images of a
// shuffled class go to test, the next round(n * validation) to validation, the rest to train.
void assign_split_parts(std::vector<Entry>& entries, const std::vector<bool>& usable,
                        const std::vector<std::string>& class_names, const SplitRatios& ratios,
                        uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::size_t c = 0; c < class_names.size(); ++c) {
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (usable[i] && entries[i].label == static_cast<int>(c)) members.push_back(i);
    }
    std::shuffle(members.begin(), members.end(), rng);
    const double n = static_cast<double>(members.size());
    const std::size_t test = static_cast<std::size_t>(std::lround(n * ratios.test));
    const std::size_t validation = static_cast<std::size_t>(std::lround(n * ratios.validation));
    if (test + validation >= members.size()) {
      throw DatasetError("class '" + class_names[c] + "' has " + std::to_string(members.size()) +
                         " image(s): too few to split " + std::to_string(ratios.train) + " / " +
                         std::to_string(ratios.validation) + " / " + std::to_string(ratios.test) +
                         " with at least one training image");
    }
    for (std::size_t k = 0; k < members.size(); ++k) {
      entries[members[k]].part =
          k < test ? kTestPart : (k < test + validation ? kValidationPart : kTrainPart);
    }
  }
}

}  // namespace

bool is_valid_utf8(const std::string& name) {
  std::size_t i = 0;
  while (i < name.size()) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    int extra = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(extra) >= name.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char next = static_cast<unsigned char>(name[i + static_cast<std::size_t>(k)]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static const uint32_t kMinCode[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinCode[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;  // overlong, beyond Unicode, or a surrogate
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

std::string escape_bytes(const std::string& name) {
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

ImageFolderDataset load_image_folder(const std::string& root_path,
                                     const ImageFolderOptions& options) {
  const fs::path root(root_path);
  Scan s = scan(root);
  ImageFolderDataset result;
  result.class_names = s.class_names;
  result.layout = s.layout;

  const std::string key = cache_key(root, s, options);
  const fs::path cache_path = root / kImageCacheFile;
  std::optional<CachedImages> cached;
  if (options.cache_file) cached = read_image_cache(cache_path.string(), key, s.entries.size());
  if (cached) {
    result.cache =
        "read " + std::to_string(s.entries.size()) + " decoded images from " + cache_path.string();
  } else {
    std::vector<Decoded> decoded = decode_all(s.entries, options);
    cached = pack(s.entries, decoded);
    result.cache = "decoded " + std::to_string(s.entries.size()) + " files";
    if (options.cache_file) {
      result.cache += write_image_cache(cache_path.string(), key, *cached)
                          ? " (cached in " + cache_path.string() + ")"
                          : " (" + cache_path.string() + " not writable: not cached)";
    }
  }

  std::vector<SkippedFile> unreadable;
  std::vector<bool> usable(s.entries.size(), true);
  for (std::size_t i = 0; i < s.entries.size(); ++i) {
    if (!cached->errors[i].empty()) {
      unreadable.push_back({s.entries[i].path, cached->errors[i]});
      usable[i] = false;
    }
  }
  if (!unreadable.empty() && !options.skip_unreadable) throw_unreadable(unreadable);
  result.skipped = unreadable;
  // A class whose every file was skipped has no images left.
  for (std::size_t c = 0; c < s.class_names.size(); ++c) {
    bool any = false;
    for (std::size_t i = 0; i < s.entries.size() && !any; ++i) {
      any = usable[i] && s.entries[i].label == static_cast<int>(c) &&
            (s.entries[i].part == kTrainPart || s.entries[i].part == kUnsplit);
    }
    if (!any) {
      throw DatasetError((s.split_folders ? (root / "train") : root).string() + "/" +
                         s.class_names[c] + ": no readable training image in the class folder");
    }
  }
  if (!s.split_folders) {
    assign_split_parts(s.entries, usable, s.class_names, options.split, options.split_seed);
    result.layout += ", split " + std::to_string(options.split.train).substr(0, 4) + " / " +
                     std::to_string(options.split.validation).substr(0, 4) + " / " +
                     std::to_string(options.split.test).substr(0, 4) + " (seed " +
                     std::to_string(options.split_seed) + ")";
  }

  const int classes = static_cast<int>(s.class_names.size());
  LabeledImages parts[] = {empty_part(root_path + "/train", *cached, classes),
                           empty_part(root_path + "/validation", *cached, classes),
                           empty_part(root_path + "/test", *cached, classes)};
  const std::size_t bytes = parts[0].image_bytes();
  std::size_t offset = 0;
  bool has_part[] = {false, false, false};
  for (std::size_t i = 0; i < s.entries.size(); ++i) {
    if (!usable[i]) continue;
    const int part = s.entries[i].part;
    LabeledImages& out = parts[part];
    out.pixels.insert(out.pixels.end(),
                      cached->pixels.begin() + static_cast<std::ptrdiff_t>(offset),
                      cached->pixels.begin() + static_cast<std::ptrdiff_t>(offset + bytes));
    out.labels.push_back(s.entries[i].label);
    has_part[part] = true;
    offset += bytes;
  }
  result.train = std::move(parts[kTrainPart]);
  if (has_part[kValidationPart]) result.validation = std::move(parts[kValidationPart]);
  if (has_part[kTestPart]) result.test = std::move(parts[kTestPart]);
  return result;
}

}  // namespace tinynas::datasets
