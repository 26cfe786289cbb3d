#include "profiler/board_spec.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "config/field_reader.h"
#include "config/json_file.h"

namespace tinynas::profiler {
namespace {

namespace fs = std::filesystem;

constexpr char kBoardFileExtension[] = ".json";
constexpr int64_t kMaxIcountShift = 10;  // QEMU accepts shift values 0..10
constexpr int64_t kMaxBaud = 16000000;
constexpr int64_t kMaxU32 = std::numeric_limits<uint32_t>::max();

// A byte count or clock: a positive integer below 2^32; 0 when bad or not given.
uint32_t positive_u32(const config::ObjectReader& fields, const std::string& key,
                      config::Presence presence = config::kRequired) {
  return static_cast<uint32_t>(fields.integer(key, 1, kMaxU32, presence).value_or(0));
}

EmulatorSpec read_emulator(const config::ObjectReader& fields) {
  EmulatorSpec emulator;
  emulator.qemu = fields.string("qemu", config::kOptional).value_or(emulator.qemu);
  emulator.machine = fields.string("machine").value_or("");
  emulator.icount_shift =
      static_cast<int>(fields.integer("icount_shift", 0, kMaxIcountShift).value_or(0));
  if (const auto extra = fields.array("extra_args", "an array of strings", config::kOptional)) {
    emulator.extra_args = extra->strings().value_or(std::vector<std::string>{});
  }
  return emulator;
}

constexpr int kHexBase = 16;

// "0x08000000": an address in hex, below 2^32.
std::optional<uint32_t> read_address(const config::ObjectReader& fields, const std::string& key) {
  const auto text = fields.string(key);
  if (!text) return std::nullopt;
  std::size_t parsed = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(*text, &parsed, kHexBase);
  } catch (const std::exception&) {
    parsed = 0;
  }
  if (text->rfind("0x", 0) != 0 || parsed != text->size() || value > kMaxU32) {
    fields.add_error(key, "an address in hex below 2^32, e.g. \"0x08000000\"",
                     nlohmann::json(*text));
    return std::nullopt;
  }
  return static_cast<uint32_t>(value);
}

FlashProbeSpec read_flash_probe(const config::ObjectReader& fields) {
  FlashProbeSpec spec;
  const auto name = fields.one_of("probe", {"openocd", "st-link", "serial-bootloader"});
  spec.probe = parse_flash_probe(name.value_or("openocd")).value_or(FlashProbe::kOpenocd);
  switch (spec.probe) {
    case FlashProbe::kOpenocd:
      fields.reject_unknown_keys({"probe", "interface", "target"});
      spec.openocd_scripts = {fields.string("interface").value_or(""),
                              fields.string("target").value_or("")};
      break;
    case FlashProbe::kStLink:
      fields.reject_unknown_keys({"probe"});
      break;
    case FlashProbe::kSerialBootloader:
      fields.reject_unknown_keys({"probe", "baud"});
      spec.bootloader_baud = static_cast<int>(fields.integer("baud", 1, kMaxBaud).value_or(0));
      break;
  }
  return spec;
}

FlashSpec read_flash(const config::ObjectReader& fields) {
  fields.reject_unknown_keys({"base_address", "probes"});
  FlashSpec flash;
  flash.base_address = read_address(fields, "base_address").value_or(0);
  if (const auto probes = fields.array(
          "probes",
          "a non-empty array of {\"probe\": \"openocd\"|\"st-link\"|\"serial-bootloader\"}",
          config::kRequired, 1)) {
    for (std::size_t i = 0; i < probes->size(); ++i) {
      const config::ObjectReader probe = probes->object(i);
      if (probe.valid()) flash.probes.push_back(read_flash_probe(probe));
    }
  }
  return flash;
}

BoardSpec read_board_spec(const nlohmann::json& document, const std::string& path) {
  config::FieldErrors errors;
  const config::ObjectReader fields(document, "", errors);
  BoardSpec spec;
  spec.source_path = path;
  spec.kind = fields.string("kind").value_or("");
  spec.description = fields.string("description", config::kOptional).value_or("");
  spec.core = fields.string("core").value_or("");
  spec.clock_hz = positive_u32(fields, "clock_hz");
  spec.sram_bytes = positive_u32(fields, "sram_bytes");
  spec.flash_bytes = positive_u32(fields, "flash_bytes");
  spec.model_region = fields.one_of("model_region", {"ram", "flash"}).value_or("");
  spec.model_region_bytes = positive_u32(fields, "model_region_bytes");
  spec.arena_capacity_bytes = positive_u32(fields, "arena_capacity_bytes", config::kOptional);
  spec.scratch_capacity_bytes = positive_u32(fields, "scratch_capacity_bytes", config::kOptional);
  spec.stack_bytes = positive_u32(fields, "stack_bytes", config::kOptional);
  spec.dsp = fields.boolean("dsp", config::kOptional).value_or(false);
  spec.kernels = fields.string("kernels", config::kOptional).value_or(spec.dsp ? "dsp" : "plain");
  spec.timer = fields.string("timer", config::kOptional).value_or("");
  spec.firmware = fields.string("firmware", config::kOptional).value_or(spec.kind);
  if (const auto emulator = fields.object("emulator", config::kOptional)) {
    spec.emulator = read_emulator(*emulator);
  }
  if (const auto serial = fields.object("serial", config::kOptional)) {
    spec.baud = static_cast<int>(serial->integer("baud", 1, kMaxBaud).value_or(0));
    if (const auto max_baud = serial->integer("max_baud", 1, kMaxBaud, config::kOptional)) {
      spec.max_baud = static_cast<int>(*max_baud);
    }
  }
  if (const auto flash = fields.object("flash", config::kOptional)) {
    spec.flash = read_flash(*flash);
  }
  errors.throw_if_any<BoardSpecError>(path);
  return spec;
}

}  // namespace

const char* flash_probe_name(FlashProbe probe) {
  switch (probe) {
    case FlashProbe::kOpenocd:
      return "openocd";
    case FlashProbe::kStLink:
      return "st-link";
    case FlashProbe::kSerialBootloader:
      return "serial-bootloader";
  }
  return "?";
}

std::optional<FlashProbe> parse_flash_probe(const std::string& name) {
  for (const FlashProbe probe :
       {FlashProbe::kOpenocd, FlashProbe::kStLink, FlashProbe::kSerialBootloader}) {
    if (name == flash_probe_name(probe)) return probe;
  }
  return std::nullopt;
}

BoardSpec load_board_spec(const std::string& path) {
  return config::rethrow_as<BoardSpecError>(
      [&] { return read_board_spec(config::read_json_file(path), path); });
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
      throw BoardSpecError(
          path.string(), {{"kind", "\"" + kind + "\" (the file's name)", "\"" + spec.kind + "\""}});
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
