#include "profiler/board_spec.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

namespace tinynas::profiler {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kBoardFileExtension[] = ".json";
constexpr int kMaxIcountShift = 10;  // QEMU accepts shift values 0..10

class FieldReader {
 public:
  FieldReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw BoardSpecError(path_ + ": field '" + field + "': " + what);
  }

  const json* find(const std::string& field) const {
    const auto it = object_.find(field);
    return it == object_.end() ? nullptr : &*it;
  }

  const json& require(const std::string& field) const {
    const json* value = find(field);
    if (value == nullptr) fail(field, "missing");
    return *value;
  }

  std::string string(const std::string& field) const {
    const json& value = require(field);
    if (!value.is_string()) fail(field, "expected a string, found " + value.dump());
    return value.get<std::string>();
  }

  std::string optional_string(const std::string& field, const std::string& fallback) const {
    return find(field) == nullptr ? fallback : string(field);
  }

  uint32_t positive_u32(const std::string& field) const {
    const json& value = require(field);
    if (!value.is_number_unsigned() || value.get<uint64_t>() == 0 ||
        value.get<uint64_t>() > std::numeric_limits<uint32_t>::max()) {
      fail(field, "expected a positive integer below 2^32, found " + value.dump());
    }
    return value.get<uint32_t>();
  }

  int int_in_range(const std::string& field, int low, int high) const {
    const json& value = require(field);
    if (!value.is_number_integer() || value.get<int64_t>() < low || value.get<int64_t>() > high) {
      fail(field, "expected an integer in [" + std::to_string(low) + ", " + std::to_string(high) +
                      "], found " + value.dump());
    }
    return value.get<int>();
  }

  uint32_t optional_u32(const std::string& field) const {
    return find(field) == nullptr ? 0 : positive_u32(field);
  }

  bool optional_bool(const std::string& field, bool fallback) const {
    const json* value = find(field);
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) fail(field, "expected true or false, found " + value->dump());
    return value->get<bool>();
  }

 private:
  const json& object_;
  std::string path_;
};

EmulatorSpec parse_emulator(const json& object, const std::string& path) {
  if (!object.is_object()) throw BoardSpecError(path + ": field 'emulator': expected an object");
  const FieldReader fields(object, path + " (emulator)");
  EmulatorSpec emulator;
  emulator.qemu = fields.optional_string("qemu", emulator.qemu);
  emulator.machine = fields.string("machine");
  emulator.icount_shift = fields.int_in_range("icount_shift", 0, kMaxIcountShift);
  if (const json* extra = fields.find("extra_args")) {
    if (!extra->is_array()) fields.fail("extra_args", "expected an array of strings");
    for (const json& argument : *extra) {
      if (!argument.is_string())
        fields.fail("extra_args", "expected strings, found " + argument.dump());
      emulator.extra_args.push_back(argument.get<std::string>());
    }
  }
  return emulator;
}

}  // namespace

BoardSpec load_board_spec(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw BoardSpecError(path + ": cannot open board file");
  json document;
  try {
    in >> document;
  } catch (const json::exception& e) {
    throw BoardSpecError(path + ": not valid JSON: " + e.what());
  }
  if (!document.is_object()) throw BoardSpecError(path + ": expected a JSON object");
  const FieldReader fields(document, path);
  BoardSpec spec;
  spec.source_path = path;
  spec.kind = fields.string("kind");
  spec.description = fields.optional_string("description", "");
  spec.core = fields.string("core");
  spec.clock_hz = fields.positive_u32("clock_hz");
  spec.sram_bytes = fields.positive_u32("sram_bytes");
  spec.flash_bytes = fields.positive_u32("flash_bytes");
  spec.model_region = fields.string("model_region");
  if (spec.model_region != "ram" && spec.model_region != "flash") {
    fields.fail("model_region",
                "expected \"ram\" or \"flash\", found \"" + spec.model_region + "\"");
  }
  spec.model_region_bytes = fields.positive_u32("model_region_bytes");
  spec.arena_capacity_bytes = fields.optional_u32("arena_capacity_bytes");
  spec.scratch_capacity_bytes = fields.optional_u32("scratch_capacity_bytes");
  spec.dsp = fields.optional_bool("dsp", false);
  spec.kernels = fields.optional_string("kernels", spec.dsp ? "dsp" : "plain");
  spec.timer = fields.optional_string("timer", "");
  spec.firmware = fields.optional_string("firmware", spec.kind);
  if (const json* emulator = fields.find("emulator")) {
    spec.emulator = parse_emulator(*emulator, path);
  }
  if (const json* serial = fields.find("serial")) {
    if (!serial->is_object()) fields.fail("serial", "expected an object");
    const FieldReader serial_fields(*serial, path + " (serial)");
    constexpr int kMaxBaud = 16000000;
    spec.baud = serial_fields.int_in_range("baud", 1, kMaxBaud);
  }
  return spec;
}

std::string default_boards_dir() {
  if (const char* dir = std::getenv("TINYNAS_BOARDS_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  if (const char* source = std::getenv("TINYNAS_SOURCE_DIR"); source != nullptr && *source) {
    return (fs::path(source) / "configs" / "boards").string();
  }
  return TINYNAS_BOARDS_DIR;
}

std::vector<BoardSpec> list_board_specs(const std::string& boards_dir) {
  std::error_code error;
  if (!fs::is_directory(boards_dir, error)) {
    throw BoardSpecError(boards_dir + ": board directory does not exist");
  }
  std::vector<BoardSpec> specs;
  for (const auto& entry : fs::directory_iterator(boards_dir)) {
    if (entry.is_regular_file() && entry.path().extension() == kBoardFileExtension) {
      specs.push_back(load_board_spec(entry.path().string()));
    }
  }
  std::sort(specs.begin(), specs.end(),
            [](const BoardSpec& a, const BoardSpec& b) { return a.kind < b.kind; });
  return specs;
}

BoardSpec find_board_spec(const std::string& kind, const std::string& boards_dir) {
  const fs::path path = fs::path(boards_dir) / (kind + kBoardFileExtension);
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    BoardSpec spec = load_board_spec(path.string());
    if (spec.kind != kind) {
      throw BoardSpecError(path.string() + ": field 'kind': expected \"" + kind + "\", found \"" +
                           spec.kind + "\"");
    }
    return spec;
  }
  std::string known;
  for (const BoardSpec& spec : list_board_specs(boards_dir)) {
    known += (known.empty() ? "" : ", ") + spec.kind;
  }
  throw BoardSpecError("unknown board kind '" + kind + "' (known in " + boards_dir + ": " +
                       (known.empty() ? "none" : known) + ")");
}

}  // namespace tinynas::profiler
