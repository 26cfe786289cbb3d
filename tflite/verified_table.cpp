#include "tflite/verified_table.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace tinynas::tflite {
namespace {

// The verifier addresses at most this much (the flatbuffer proper; a large model's external
// buffers may follow it).
constexpr size_t kMaxFlatbufferSize = FLATBUFFERS_MAX_BUFFER_SIZE - 1;

flatbuffers::Verifier::Options verifier_options() {
  flatbuffers::Verifier::Options options;
  options.check_alignment = true;
  options.check_nested_flatbuffers = false;
  // The work budget bounds the tables read; the schema nests them 5 deep at most.
  options.max_tables = std::numeric_limits<flatbuffers::uoffset_t>::max();
  return options;
}

}  // namespace

VerifiedBuffer::VerifiedBuffer(const uint8_t* data, size_t size)
    : data_(data),
      size_(size),
      budget_(size * kWorkPerByte + 4096),
      verifier_(data, std::min(size, kMaxFlatbufferSize), verifier_options()) {}

const uint8_t* VerifiedBuffer::root() const {
  const flatbuffers::uoffset_t offset = verifier_.VerifyOffset(0);
  if (offset == 0) throw TfliteError("model: the root table offset points outside the file");
  return data_ + offset;
}

void VerifiedBuffer::spend(size_t units, const std::string& where) {
  if (units > budget_) {
    throw TfliteError(where + ": the file refers to the same data over and over (more than " +
                      std::to_string(kWorkPerByte) + " reads per byte of file)");
  }
  budget_ -= units;
}

VerifiedTable::VerifiedTable(VerifiedBuffer& buffer, const uint8_t* table, std::string where)
    : buffer_(buffer),
      table_(reinterpret_cast<const flatbuffers::Table*>(table)),
      where_(std::move(where)) {
  buffer_.spend(1, where_);
  if (!table_->VerifyTableStart(buffer_.verifier())) {
    throw TfliteError(where_ + ": the table or its vtable lies outside the file");
  }
}

VerifiedTable::~VerifiedTable() { buffer_.verifier().EndTable(); }

void VerifiedTable::fail(const char* field, const char* problem) const {
  throw TfliteError(where_ + ": " + field + ": " + problem);
}

const uint8_t* VerifiedTable::pointer_field(flatbuffers::voffset_t field, const char* name) const {
  if (!table_->VerifyOffset(buffer_.verifier(), field))
    fail(name, "offset points outside the file");
  return table_->GetPointer<const uint8_t*>(field);
}

const uint8_t* VerifiedTable::vector_start(flatbuffers::voffset_t field, size_t element_size,
                                           const char* name) const {
  const uint8_t* vector = pointer_field(field, name);
  if (vector != nullptr && !buffer_.verifier().VerifyVectorOrString(vector, element_size)) {
    fail(name, "the vector runs past the end of the file");
  }
  return vector;
}

std::string VerifiedTable::string(flatbuffers::voffset_t field, const char* name) const {
  const auto* text = reinterpret_cast<const flatbuffers::String*>(pointer_field(field, name));
  if (text == nullptr) return {};
  if (!buffer_.verifier().VerifyString(text)) {
    fail(name, "the string runs past the end of the file or lacks its terminating zero");
  }
  buffer_.spend(text->size(), where_);
  return std::string(text->c_str(), text->size());
}

const uint8_t* VerifiedTable::table(flatbuffers::voffset_t field, const char* name) const {
  return pointer_field(field, name);
}

std::vector<const uint8_t*> VerifiedTable::table_vector(flatbuffers::voffset_t field,
                                                        const char* name) const {
  const uint8_t* vector = vector_start(field, sizeof(flatbuffers::uoffset_t), name);
  if (vector == nullptr) return {};
  const size_t count = flatbuffers::ReadScalar<flatbuffers::uoffset_t>(vector);
  buffer_.spend(count, where_);
  std::vector<const uint8_t*> tables;
  tables.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* element = vector + sizeof(flatbuffers::uoffset_t) * (i + 1);
    const flatbuffers::uoffset_t offset =
        buffer_.verifier().VerifyOffset(static_cast<size_t>(element - buffer_.data()));
    if (offset == 0) {
      throw TfliteError(where_ + ": " + name + "[" + std::to_string(i) +
                        "]: the table offset points outside the file");
    }
    tables.push_back(element + offset);
  }
  return tables;
}

}  // namespace tinynas::tflite
