// A .tnm model file loaded on the host: read from disk into 4-byte-aligned storage (the runtime
// reads int32 constant arrays in place) and validated by the runtime's own validator, so the
// host refuses exactly the files a board would refuse.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/model_reader.h"

namespace tinynas::compiler {

class LoadedModel {
 public:
  // Validates `bytes`; throws std::runtime_error "<origin>: <what is wrong and where>".
  LoadedModel(const std::vector<uint8_t>& bytes, std::string origin);

  LoadedModel(const LoadedModel& other);
  LoadedModel& operator=(const LoadedModel& other);
  LoadedModel(LoadedModel&&) = default;
  LoadedModel& operator=(LoadedModel&&) = default;

  const runtime::ModelView& view() const { return view_; }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(storage_.data()); }
  uint32_t size() const { return size_; }
  std::vector<uint8_t> bytes() const { return {data(), data() + size_}; }
  const std::string& origin() const { return origin_; }  // the path, or what made the bytes

 private:
  void validate();

  std::vector<uint32_t> storage_;  // uint32 elements: the alignment the runtime needs
  uint32_t size_ = 0;
  std::string origin_;
  runtime::ModelView view_;
};

// Reads and validates a .tnm file; its header (magic, declared size) is checked before the rest
// is read, so a large file that is no model costs nothing. Throws std::runtime_error naming the
// path: missing file, directory, unreadable, not the size its header declares, or the
// validator's finding.
LoadedModel load_model_file(const std::string& path);

}  // namespace tinynas::compiler
