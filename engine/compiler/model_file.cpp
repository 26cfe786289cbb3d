#include "engine/compiler/model_file.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>

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
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot open model file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  if (file.bad()) throw std::runtime_error(path + ": read error");
  if (bytes.empty()) throw std::runtime_error(path + ": empty file, expected a .tnm model");
  return LoadedModel(bytes, path);
}

}  // namespace tinynas::compiler
