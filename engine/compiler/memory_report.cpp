#include "engine/compiler/memory_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/tflm_greedy_estimate.h"
#include "engine/runtime/model_format.h"

namespace tinynas::compiler {
namespace {

constexpr int64_t kInt32Bytes = 4;
constexpr int64_t kWeightPadding = 4;  // int8 weight arrays are zero-padded to a multiple of 4
constexpr int64_t kQuantArraysPerChannel = 2;      // multiplier and shift
constexpr int64_t kBatchNormParamsPerChannel = 2;  // scale (gamma) and shift (beta)
constexpr double kBytesPerKilobyte = 1024.0;

bool has_per_channel_quantization(OpKind kind) {
  return kind == OpKind::kConv2d || kind == OpKind::kDepthwiseConv2d ||
         kind == OpKind::kFullyConnected;
}

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

struct FlashParts {
  int64_t weights = 0;
  int64_t weight_padding = 0;
  int64_t bias = 0;
  int64_t quant_params = 0;
  int64_t tables = 0;
  int64_t pool_padding = 0;
  int64_t total() const {
    return weights + weight_padding + bias + quant_params + tables + pool_padding;
  }
};

FlashParts flash_parts(const Graph& graph) {
  FlashParts parts;
  parts.tables = runtime::kHeaderSize +
                 runtime::kTensorRecordSize * static_cast<int64_t>(graph.tensors.size()) +
                 runtime::kOpRecordSize * static_cast<int64_t>(graph.ops.size());
  parts.pool_padding = round_up(parts.tables, runtime::kConstantPoolAlignment) - parts.tables;
  for (const Op& op : graph.ops) {
    if (op.weights >= 0) {
      const int64_t bytes = graph.tensors[op.weights].bytes();
      parts.weights += bytes;
      parts.weight_padding += round_up(bytes, kWeightPadding) - bytes;
    }
    parts.bias += kInt32Bytes * static_cast<int64_t>(op.bias.size());
    if (has_per_channel_quantization(op.kind)) {
      parts.quant_params += kQuantArraysPerChannel * kInt32Bytes * graph.tensors[op.output].shape.c;
    }
    if (op.kind == OpKind::kConcatenation) {  // input indices and their requantization
      parts.quant_params +=
          runtime::concat_input_table_bytes(static_cast<int32_t>(op.inputs.size()));
    }
  }
  return parts;
}

std::string with_thousands(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string kilobytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f kB", static_cast<double>(bytes) / kBytesPerKilobyte);
  return text;
}

std::string bytes_and_kilobytes(int64_t bytes) {
  return with_thousands(bytes) + " B (" + kilobytes(bytes) + ")";
}

std::string shape_text(const TensorShape& shape) {
  return std::to_string(shape.h) + "x" + std::to_string(shape.w) + "x" + std::to_string(shape.c);
}

std::string millions(int64_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2fM", static_cast<double>(value) / 1e6);
  return text;
}

}  // namespace

int64_t model_file_bytes(const Graph& graph) { return flash_parts(graph).total(); }

int64_t reported_params(const Graph& graph) {
  int64_t total = 0;
  for (const Op& op : graph.ops) {
    if (op.weights >= 0) total += graph.tensors[op.weights].shape.elements();
    const int64_t out_channels = graph.tensors[op.output].shape.c;
    if (op.kind == OpKind::kConv2d || op.kind == OpKind::kDepthwiseConv2d) {
      total += kBatchNormParamsPerChannel * out_channels;
    } else if (op.kind == OpKind::kFullyConnected) {
      total += out_channels;
    }
  }
  return total;
}

MemoryReport make_memory_report(const Graph& graph, const MemoryPlan& plan) {
  MemoryReport report;
  report.arena_bytes = plan.arena_bytes;
  report.scratch_bytes = plan.scratch_bytes;
  report.peak_sram_bytes = plan.peak_sram_bytes();
  report.tflm_greedy_arena_bytes =
      tflm_greedy_arena_bytes(validate_graph(graph, GraphUse::kPlanning, "make_memory_report"));
  const FlashParts parts = flash_parts(graph);
  report.flash_bytes = parts.total();
  report.weights_bytes = parts.weights;
  report.bias_bytes = parts.bias;
  report.quant_params_bytes = parts.quant_params;
  report.model_overhead_bytes = parts.tables + parts.pool_padding + parts.weight_padding;
  report.macs = graph_macs(graph);
  report.params = reported_params(graph);
  report.deployed_params = graph_params(graph);
  report.schedule = plan.schedule;
  report.mac_overhead = plan.mac_overhead;
  report.patch = plan.patch;
  report.streamed_stages = plan.streamed_stages;
  report.pareto_front = plan.pareto_front;
  report.scratch_in_arena = plan.scratch_in_arena();
  report.arena_scratch_bytes = plan.arena_scratch_bytes;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    OpReportRow row;
    row.name = op.name;
    row.kind = op.kind;
    row.output_shape = graph.tensors[op.output].shape;
    row.macs = op_macs(graph, op);
    if (i < plan.per_op.size()) {
      row.live_bytes = plan.per_op[i].live_bytes;
      row.scratch_bytes = plan.per_op[i].scratch_bytes;
      row.in_place = plan.per_op[i].in_place;
      row.fused_rows = plan.per_op[i].fused_rows;
      row.streamed = plan.per_op[i].streamed;
    }
    row.patched = static_cast<int>(i) < plan.patch.split;
    report.ops.push_back(std::move(row));
  }
  return report;
}

nlohmann::ordered_json to_json(const MemoryReport& report) {
  nlohmann::ordered_json json;
  json["peak_sram_bytes"] = report.peak_sram_bytes;
  json["arena_bytes"] = report.arena_bytes;
  json["tflm_greedy_arena_bytes"] = report.tflm_greedy_arena_bytes;
  json["scratch_bytes"] = report.scratch_bytes;
  json["scratch_in_arena"] = report.scratch_in_arena;
  json["flash_bytes"] = report.flash_bytes;
  json["flash"] = {{"weights_bytes", report.weights_bytes},
                   {"bias_bytes", report.bias_bytes},
                   {"quant_params_bytes", report.quant_params_bytes},
                   {"model_overhead_bytes", report.model_overhead_bytes}};
  json["macs"] = report.macs;
  json["params"] = report.params;
  json["deployed_params"] = report.deployed_params;
  json["schedule"] = schedule_name(report.schedule);
  json["mac_overhead"] = report.mac_overhead;
  if (report.patch.enabled()) {
    json["patch"] = {{"grid", report.patch.grid}, {"split", report.patch.split}};
  } else {
    json["patch"] = nullptr;
  }
  nlohmann::ordered_json stages = nlohmann::ordered_json::array();
  for (const StreamedStageRange& stage : report.streamed_stages) {
    stages.push_back({{"first_op", stage.first}, {"last_op", stage.last}});
  }
  json["streamed_stages"] = stages;
  if (!report.pareto_front.empty()) {
    nlohmann::ordered_json front = nlohmann::ordered_json::array();
    for (const PlanCandidate& point : report.pareto_front) {
      front.push_back({{"schedule", point.schedule},
                       {"peak_sram_bytes", point.peak_sram_bytes},
                       {"mac_overhead", point.mac_overhead},
                       {"within_limit", point.within_limit}});
    }
    json["pareto_front"] = front;
  }
  nlohmann::ordered_json ops = nlohmann::ordered_json::array();
  for (const OpReportRow& row : report.ops) {
    nlohmann::ordered_json entry;
    entry["name"] = row.name;
    entry["kind"] = op_kind_name(row.kind);
    entry["output_shape"] = {row.output_shape.n, row.output_shape.h, row.output_shape.w,
                             row.output_shape.c};
    entry["macs"] = row.macs;
    entry["live_bytes"] = row.live_bytes;
    entry["scratch_bytes"] = row.scratch_bytes;
    entry["in_place"] = row.in_place;
    entry["fused"] = row.fused_rows;
    entry["patched"] = row.patched;
    entry["streamed"] = row.streamed;
    ops.push_back(entry);
  }
  json["ops"] = ops;
  return json;
}

std::string format_memory_report(const MemoryReport& report) {
  std::ostringstream out;
  out << "peak SRAM  " << bytes_and_kilobytes(report.peak_sram_bytes) << "  = arena "
      << bytes_and_kilobytes(report.arena_bytes) << " + scratch "
      << bytes_and_kilobytes(report.scratch_bytes);
  if (report.scratch_in_arena) {
    out << " (the " << with_thousands(report.arena_scratch_bytes)
        << " B scratch is time-shared inside the arena)";
  }
  out << "\n";
  out << "TFLM       " << bytes_and_kilobytes(report.tflm_greedy_arena_bytes)
      << "  = TF-Lite Micro's greedy planner on the same tensors (arena, without scratch)\n";
  out << "flash      " << bytes_and_kilobytes(report.flash_bytes) << "  = weights "
      << with_thousands(report.weights_bytes) << " + bias " << with_thousands(report.bias_bytes)
      << " + quantization " << with_thousands(report.quant_params_bytes) << " + overhead "
      << with_thousands(report.model_overhead_bytes) << "\n";
  out << "MACs       " << with_thousands(report.macs) << " (" << millions(report.macs) << ")\n";
  out << "params     " << with_thousands(report.params) << " (" << millions(report.params)
      << ", with BatchNorm; deployed weights + biases " << with_thousands(report.deployed_params)
      << ")\n";
  out << "schedule   " << schedule_name(report.schedule);
  if (report.patch.enabled()) {
    const double percent =
        report.macs > 0 ? 100.0 * static_cast<double>(report.mac_overhead) / report.macs : 0.0;
    std::ostringstream share;
    share.precision(1);
    share << std::fixed << percent;
    out << " (ops 0-" << report.patch.split - 1 << " in " << report.patch.grid << " x "
        << report.patch.grid << " patches; MAC overhead " << with_thousands(report.mac_overhead)
        << " = " << share.str() << "% of the MACs, recomputed where patches overlap)\n\n";
  } else {
    for (const StreamedStageRange& stage : report.streamed_stages) {
      out << " (ops " << stage.first << "-" << stage.last << " streamed row by row)";
    }
    out << " (MAC overhead " << with_thousands(report.mac_overhead)
        << ": row streaming recomputes nothing)\n\n";
  }

  const std::vector<std::string> header = {"#",    "op",      "kind",     "output", "MACs",
                                           "live", "scratch", "in-place", "fused",  "patch"};
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < report.ops.size(); ++i) {
    const OpReportRow& row = report.ops[i];
    rows.push_back(
        {std::to_string(i), row.name, op_kind_name(row.kind), shape_text(row.output_shape),
         with_thousands(row.macs), kilobytes(row.live_bytes), with_thousands(row.scratch_bytes),
         row.in_place ? "yes" : "", row.fused_rows ? "yes" : "", row.patched ? "yes" : ""});
  }
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    widths[c] = header[c].size();
    for (const auto& row : rows) widths[c] = std::max(widths[c], row[c].size());
  }
  // Names and kinds read left-aligned, numbers right-aligned.
  auto left_aligned = [](size_t column) {
    return column == 1 || column == 2 || column == 7 || column == 8 || column == 9;
  };
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string fill(widths[c] - cells[c].size(), ' ');
      line += left_aligned(c) ? cells[c] + fill : fill + cells[c];
      if (c + 1 < cells.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  emit(header);
  for (const auto& row : rows) emit(row);
  return out.str();
}

}  // namespace tinynas::compiler
