#include "profiler/profile.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "engine/compiler/host_runner.h"
#include "engine/compiler/model_file.h"
#include "engine/runtime/crc32.h"
#include "engine/runtime/op_kind_name.h"
#include "profiler/gdb_model_upload.h"

namespace tinynas::profiler {
namespace {

constexpr double kMillisecondsPerSecond = 1000.0;

compiler::InputPattern host_pattern(protocol::InputMode mode) {
  switch (mode) {
    case protocol::InputMode::kZeros:
      return compiler::InputPattern::kZeros;
    case protocol::InputMode::kPseudoRandom:
      return compiler::InputPattern::kPseudoRandom;
    case protocol::InputMode::kUploaded:
      break;
  }
  throw std::invalid_argument("profile: input mode must be zeros or pseudo-random");
}

std::string input_label(const ProfileOptions& options) {
  if (options.input_mode == protocol::InputMode::kZeros) return "zeros";
  return "pseudo-random (seed " + std::to_string(options.seed) + ")";
}

}  // namespace

const char* kernel_path_name(protocol::KernelPath path) {
  switch (path) {
    case protocol::KernelPath::kMve:
      return "mve";
    case protocol::KernelPath::kDsp:
      return "dsp";
    default:
      return "plain";
  }
}

const char* timer_name(protocol::TimerKind timer) {
  switch (timer) {
    case protocol::TimerKind::kSysTick:
      return "systick";
    case protocol::TimerKind::kDwtCycleCounter:
      return "dwt";
    case protocol::TimerKind::kMcycle:
      return "mcycle";
  }
  return "unknown";
}

double ProfileResult::latency_ms() const {
  return clock_hz == 0 ? 0.0 : static_cast<double>(cycles) * kMillisecondsPerSecond / clock_hz;
}

ProfileResult profile_model(BoardClient& client, const BoardInfo& info,
                            const std::vector<uint8_t>& model, const ProfileOptions& options) {
  if (options.runs == 0) throw std::invalid_argument("profile: --runs must be at least 1");
  ProfileResult result;
  result.board = info.board;
  result.firmware_version = info.firmware_version;
  result.core = info.core;
  result.clock_hz = info.clock_hz;
  result.kernel_path = kernel_path_name(info.kernel_path);
  result.timer = timer_name(info.timer);
  result.port = client.transport().description();
  result.model_bytes = static_cast<uint32_t>(model.size());
  result.model_crc32 = runtime::crc32(model.data(), model.size());
  result.input = input_label(options);
  result.runs = options.runs;
  if (model.size() >= runtime::kHeaderSize) {
    result.planned_arena_bytes = runtime::load_u32(model.data() + runtime::header::kArenaSize);
  }

  result.upload = options.gdb_server.empty() ? "serial" : "gdb";
  const auto loaded = options.gdb_server.empty()
                          ? client.load_model(model)
                          : upload_model_over_gdb(client, info, options.gdb_server, model);
  result.scratch_bytes = loaded.scratch_bytes;
  const auto run = client.run(options.runs, options.input_mode, options.seed);
  result.cycles = run.last_cycles;
  result.total_cycles = run.total_cycles;
  result.min_cycles = run.min_cycles;
  result.max_cycles = run.max_cycles;
  result.op_count = run.op_count;
  result.arena_bytes = run.arena_bytes_used;
  result.stack_bytes = run.stack_bytes_used;
  result.output_bytes = run.output_bytes;
  result.output_crc32 = run.output_crc32;
  result.per_op_cycles = client.per_op_cycles(run.op_count);
  const std::vector<uint8_t> output = client.output(run.output_bytes);
  result.output.assign(output.begin(), output.end());
  const uint32_t fetched_crc = runtime::crc32(output.data(), output.size());
  if (fetched_crc != run.output_crc32) {
    throw BoardProtocolError("board " + client.name() + ": OUTPUT bytes have CRC-32 " +
                             std::to_string(fetched_crc) + " but RUN reported " +
                             std::to_string(run.output_crc32));
  }

  // The host engine validates the same bytes; its view also names the op kinds.
  const compiler::LoadedModel host_model(model, "model uploaded to " + client.name());
  for (uint16_t i = 0; i < host_model.view().op_count(); ++i) {
    result.op_kinds.push_back(runtime::op_kind_name(host_model.view().op(i).kind));
  }
  if (options.compare_with_host) {
    compiler::HostRunOptions host_options;
    host_options.pattern = host_pattern(options.input_mode);
    host_options.seed = options.seed;
    const compiler::HostRunResult host = compiler::run_on_host(host_model, host_options);
    result.host_compared = true;
    result.host_output_crc32 =
        runtime::crc32(reinterpret_cast<const uint8_t*>(host.output.data()), host.output.size());
    result.output_matches_host = host.output == result.output;
    if (!result.output_matches_host) {
      const std::size_t common = std::min(host.output.size(), result.output.size());
      const auto mismatch =
          std::mismatch(host.output.begin(), host.output.begin() + common, result.output.begin());
      result.first_mismatch = mismatch.first - host.output.begin();
      spdlog::warn("board {}: output differs from the host engine at byte {} (of {})", result.board,
                   result.first_mismatch, host.output.size());
    }
  }
  return result;
}

nlohmann::json to_json(const ProfileResult& result) {
  nlohmann::json json;
  json["board"] = result.board;
  json["firmware_version"] = result.firmware_version;
  json["core"] = result.core;
  json["clock_hz"] = result.clock_hz;
  json["kernel_path"] = result.kernel_path;
  json["timer"] = result.timer;
  json["port"] = result.port;
  json["upload"] = result.upload;
  json["model_bytes"] = result.model_bytes;
  json["model_crc32"] = result.model_crc32;
  json["input"] = result.input;
  json["runs"] = result.runs;
  json["cycles"] = result.cycles;
  json["total_cycles"] = result.total_cycles;
  json["min_cycles"] = result.min_cycles;
  json["max_cycles"] = result.max_cycles;
  json["latency_ms"] = result.latency_ms();
  json["op_count"] = result.op_count;
  json["per_op_cycles"] = result.per_op_cycles;
  json["op_kinds"] = result.op_kinds;
  json["arena_bytes"] = result.arena_bytes;
  json["planned_arena_bytes"] = result.planned_arena_bytes;
  json["scratch_bytes"] = result.scratch_bytes;
  json["stack_bytes"] = result.stack_bytes;
  json["output_bytes"] = result.output_bytes;
  json["output_crc32"] = result.output_crc32;
  if (result.host_compared) {
    json["output_matches_host"] = result.output_matches_host;
    json["host_output_crc32"] = result.host_output_crc32;
    if (!result.output_matches_host) json["first_mismatch"] = result.first_mismatch;
  } else {
    json["output_matches_host"] = nullptr;
  }
  return json;
}

}  // namespace tinynas::profiler
