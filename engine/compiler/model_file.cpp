#include "engine/compiler/model_file.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "engine/runtime/model_format.h"

namespace tinynas::compiler {

LoadedModel::LoadedModel(const std::vector<uint8_t>& bytes, std::string origin)
    : origin_(std::move(origin)) {
  if (bytes.size() > std::numeric_limits<uint32_t>::max()) {
    throw std::runtime_error(origin_ + ": " + std::to_string(bytes.size()) +
                             " bytes is larger than a .tnm file can be (4 GiB)");
  }
  size_ = static_cast<uint32_t>(bytes.size());
  storage_.assign((bytes.size() + sizeof(uint32_t) - 1) / sizeof(uint32_t), 0);
  if (!bytes.empty()) std::memcpy(storage_.data(), bytes.data(), bytes.size());
  validate();
}

LoadedModel::LoadedModel(const LoadedModel& other)
    : storage_(other.storage_), size_(other.size_), origin_(other.origin_) {
  validate();  // the view points into storage_, so it is rebuilt for the copy
}

LoadedModel& LoadedModel::operator=(const LoadedModel& other) {
  if (this != &other) {
    storage_ = other.storage_;
    size_ = other.size_;
    origin_ = other.origin_;
    validate();
  }
  return *this;
}

void LoadedModel::validate() {
  runtime::ValidationError error;
  const runtime::Status status = runtime::validate_model(data(), size_, &view_, &error);
  if (status != runtime::Status::kOk) {
    char message[160];
    runtime::format_validation_error(error, message, sizeof(message));
    throw std::runtime_error(origin_ + ": not a valid .tnm model: " + message);
  }
}

LoadedModel load_model_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw std::runtime_error(path + ": is a directory, expected a .tnm model file");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot open model file");
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw std::runtime_error(path + ": cannot read the size: " + error.message());
  if (size == 0) throw std::runtime_error(path + ": empty file, expected a .tnm model");
  // The header first: a file that is no model, or not the size it says, is refused unread.
  std::vector<uint8_t> bytes(
      static_cast<std::size_t>(std::min<uintmax_t>(size, runtime::kHeaderSize)));
  file.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!file) throw std::runtime_error(path + ": read error");
  uint32_t magic = 0;
  uint32_t declared = 0;
  if (bytes.size() == runtime::kHeaderSize) {
    std::memcpy(&magic, bytes.data() + runtime::header::kMagic, sizeof(magic));
    std::memcpy(&declared, bytes.data() + runtime::header::kFileSize, sizeof(declared));
  }
  if (magic != runtime::kModelMagic) return LoadedModel(bytes, path);  // throws what is wrong
  if (declared != size) {
    throw std::runtime_error(path + ": not a valid .tnm model: its header declares " +
                             std::to_string(declared) + " bytes, the file has " +
                             std::to_string(size));
  }
  bytes.resize(static_cast<std::size_t>(size));
  file.read(reinterpret_cast<char*>(bytes.data()) + runtime::kHeaderSize,
            static_cast<std::streamsize>(size - runtime::kHeaderSize));
  if (!file) throw std::runtime_error(path + ": read error");
  return LoadedModel(bytes, path);
}

}  // namespace tinynas::compiler
