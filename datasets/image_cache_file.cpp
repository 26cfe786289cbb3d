#include "datasets/image_cache_file.h"

#include <cstring>
#include <filesystem>
#include <fstream>

namespace tinynas::datasets {
namespace {

constexpr char kMagic[8] = {'T', 'N', 'I', 'M', 'G', 'C', '0', '1'};
constexpr uint64_t kMaxStringBytes = uint64_t{1} << 32;

void put_u64(std::ostream& out, uint64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  out.write(bytes, sizeof(bytes));
}

bool get_u64(std::istream& in, uint64_t& value) {
  unsigned char bytes[8];
  if (!in.read(reinterpret_cast<char*>(bytes), sizeof(bytes))) return false;
  value = 0;
  for (int i = 0; i < 8; ++i) value |= uint64_t{bytes[i]} << (8 * i);
  return true;
}

void put_string(std::ostream& out, const std::string& text) {
  put_u64(out, text.size());
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

bool get_string(std::istream& in, std::string& text) {
  uint64_t size = 0;
  if (!get_u64(in, size) || size > kMaxStringBytes) return false;
  text.resize(size);
  return static_cast<bool>(in.read(text.data(), static_cast<std::streamsize>(size)));
}

}  // namespace

std::optional<CachedImages> read_image_cache(const std::string& path, const std::string& key,
                                             std::size_t files) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  char magic[sizeof(kMagic)];
  if (!in.read(magic, sizeof(magic)) || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) {
    return std::nullopt;
  }
  std::string stored_key;
  if (!get_string(in, stored_key) || stored_key != key) return std::nullopt;
  uint64_t count = 0, channels = 0, height = 0, width = 0;
  if (!get_u64(in, count) || count != files || !get_u64(in, channels) || !get_u64(in, height) ||
      !get_u64(in, width)) {
    return std::nullopt;
  }
  CachedImages images;
  images.channels = static_cast<int>(channels);
  images.height = static_cast<int>(height);
  images.width = static_cast<int>(width);
  images.errors.resize(files);
  std::size_t decoded = 0;
  for (std::string& error : images.errors) {
    if (!get_string(in, error)) return std::nullopt;
    if (error.empty()) ++decoded;
  }
  uint64_t bytes = 0;
  if (!get_u64(in, bytes) || bytes != decoded * channels * height * width) return std::nullopt;
  images.pixels.resize(bytes);
  if (!in.read(reinterpret_cast<char*>(images.pixels.data()),
               static_cast<std::streamsize>(bytes))) {
    return std::nullopt;
  }
  return images;
}

bool write_image_cache(const std::string& path, const std::string& key,
                       const CachedImages& images) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(kMagic, sizeof(kMagic));
    put_string(out, key);
    put_u64(out, images.errors.size());
    put_u64(out, static_cast<uint64_t>(images.channels));
    put_u64(out, static_cast<uint64_t>(images.height));
    put_u64(out, static_cast<uint64_t>(images.width));
    for (const std::string& error : images.errors) put_string(out, error);
    put_u64(out, images.pixels.size());
    out.write(reinterpret_cast<const char*>(images.pixels.data()),
              static_cast<std::streamsize>(images.pixels.size()));
    if (!out.flush()) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return false;
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  return !error;
}

}  // namespace tinynas::datasets
