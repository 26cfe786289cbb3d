// Bounds-checked access to the tables of an untrusted flatbuffer: every table, field, vector and
// string is run through flatbuffers::Verifier before it is read, and any failure becomes a
// TfliteError naming the table ("subgraph 0 tensor 4") and the field. A work budget bounds what
// a small file can make the reader copy through shared (aliased) tables and vectors.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tflite/tflite_error.h"

namespace tinynas::tflite {

class VerifiedBuffer {
 public:
  // Work units (tables plus vector elements) the reader may spend per byte of input.
  static constexpr size_t kWorkPerByte = 4;

  VerifiedBuffer(const uint8_t* data, size_t size);

  flatbuffers::Verifier& verifier() { return verifier_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }  // the whole input (external buffers included)

  // The root table; throws if the root offset points outside the flatbuffer.
  const uint8_t* root() const;

  // Throws TfliteError once the reader has done more work than the input's size allows.
  void spend(size_t units, const std::string& where);

 private:
  const uint8_t* data_;
  size_t size_;
  size_t budget_;
  flatbuffers::Verifier verifier_;
};

class VerifiedTable {
 public:
  // Verifies the table's vtable; throws TfliteError "<where>: ...".
  VerifiedTable(VerifiedBuffer& buffer, const uint8_t* table, std::string where);
  ~VerifiedTable();
  VerifiedTable(const VerifiedTable&) = delete;
  VerifiedTable& operator=(const VerifiedTable&) = delete;

  const std::string& where() const { return where_; }
  bool has(flatbuffers::voffset_t field) const { return table_->CheckField(field); }

  template <typename T>
  T scalar(flatbuffers::voffset_t field, T default_value, const char* name) const {
    if (!table_->VerifyField<T>(buffer_.verifier(), field, sizeof(T)))
      fail(name, "lies outside the file");
    return table_->GetField<T>(field, default_value);
  }

  // A vector of scalars (empty when absent), copied out.
  template <typename T>
  std::vector<T> scalar_vector(flatbuffers::voffset_t field, const char* name) const {
    static_assert(FLATBUFFERS_LITTLEENDIAN, "the file's little-endian scalars are copied as is");
    const uint8_t* vector = vector_start(field, sizeof(T), name);
    if (vector == nullptr) return {};
    const size_t count = flatbuffers::ReadScalar<flatbuffers::uoffset_t>(vector);
    buffer_.spend(count, where_);
    std::vector<T> values(count);
    if (count > 0) {
      std::memcpy(values.data(), vector + sizeof(flatbuffers::uoffset_t), count * sizeof(T));
    }
    return values;
  }

  std::string string(flatbuffers::voffset_t field, const char* name) const;

  // A sub-table (nullptr when absent); its offset verified, the table itself not yet.
  const uint8_t* table(flatbuffers::voffset_t field, const char* name) const;

  // The tables of a vector of tables (empty when absent); offsets verified, tables not yet.
  std::vector<const uint8_t*> table_vector(flatbuffers::voffset_t field, const char* name) const;

 private:
  // The verified vector's start (its length word), nullptr when the field is absent.
  const uint8_t* vector_start(flatbuffers::voffset_t field, size_t element_size,
                              const char* name) const;
  const uint8_t* pointer_field(flatbuffers::voffset_t field, const char* name) const;
  [[noreturn]] void fail(const char* field, const char* problem) const;

  VerifiedBuffer& buffer_;
  const flatbuffers::Table* table_;
  std::string where_;
};

}  // namespace tinynas::tflite
