#include "engine/compiler/memory_report.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>

#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/net_config_import.h"
#include "engine/runtime/model_format.h"
#include "tests/engine/compiler/random_network.h"

namespace tinynas::compiler {
namespace {

std::string source_path(const std::string& relative) {
  return std::string(TINYNAS_SOURCE_DIR) + "/" + relative;
}

Graph sample_fmnist() {
  return build_graph(load_arch_file(source_path("configs/nets/sample-fmnist.arch.json")));
}

void expect_flash_matches_the_writer(const Graph& graph) {
  const MemoryPlan plan = plan_memory(graph);
  const MemoryReport report = make_memory_report(graph, plan);
  const std::vector<uint8_t> file = write_model(graph, plan);
  EXPECT_EQ(report.flash_bytes, static_cast<int64_t>(file.size()));
  EXPECT_EQ(report.flash_bytes, model_file_bytes(graph));
  EXPECT_EQ(report.flash_bytes, report.weights_bytes + report.bias_bytes +
                                    report.quant_params_bytes + report.model_overhead_bytes);
  const int64_t tables = runtime::kHeaderSize + runtime::kTensorRecordSize * graph.tensors.size() +
                         runtime::kOpRecordSize * graph.ops.size();
  const int64_t pool_start = (tables + runtime::kConstantPoolAlignment - 1) /
                             runtime::kConstantPoolAlignment * runtime::kConstantPoolAlignment;
  EXPECT_EQ(report.flash_bytes, pool_start + constant_pool_bytes(graph));
}

TEST(MemoryReport, FlashIsTheModelFileSize) {
  expect_flash_matches_the_writer(sample_fmnist());
  std::mt19937 rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    expect_flash_matches_the_writer(build_graph(testing::random_network_spec(rng)));
  }
}

TEST(MemoryReport, SampleFigures) {
  const Graph graph = sample_fmnist();
  const MemoryPlan plan = plan_memory(graph);
  const MemoryReport report = make_memory_report(graph, plan);
  EXPECT_EQ(report.arena_bytes, plan.arena_bytes);
  EXPECT_EQ(report.scratch_bytes, plan.scratch_bytes);
  EXPECT_EQ(report.peak_sram_bytes, plan.arena_bytes + plan.scratch_bytes);
  EXPECT_EQ(report.macs, graph_macs(graph));
  EXPECT_EQ(report.deployed_params, graph_params(graph));
  int64_t weights = 0, biases = 0, channels = 0;
  for (const Op& op : graph.ops) {
    if (op.weights >= 0) weights += graph.tensors[op.weights].bytes();
    biases += static_cast<int64_t>(op.bias.size());
    if (op.weights >= 0) channels += graph.tensors[op.output].shape.c;
  }
  EXPECT_EQ(report.weights_bytes, weights);
  EXPECT_EQ(report.bias_bytes, 4 * biases);
  EXPECT_EQ(report.quant_params_bytes, 2 * 4 * channels);
  ASSERT_EQ(report.ops.size(), graph.ops.size());
  const OpReportRow& depthwise = report.ops[find_op(graph, "blocks.1.depthwise")];
  EXPECT_EQ(depthwise.kind, OpKind::kDepthwiseConv2d);
  EXPECT_EQ(depthwise.output_shape, (TensorShape{1, 7, 7, 48}));
  EXPECT_TRUE(depthwise.in_place);
  EXPECT_EQ(depthwise.scratch_bytes, 3 * 14);  // kernel_h * input_w
  EXPECT_EQ(depthwise.macs, 7 * 7 * 48 * 9);
  EXPECT_FALSE(report.ops[find_op(graph, "blocks.0.depthwise")].in_place);  // residual input
}

TEST(MemoryReport, JsonHasTheDocumentedKeys) {
  const Graph graph = sample_fmnist();
  const MemoryReport report = make_memory_report(graph, plan_memory(graph));
  const nlohmann::ordered_json json = to_json(report);
  for (const char* key : {"peak_sram_bytes", "arena_bytes", "scratch_bytes", "flash_bytes", "macs",
                          "params", "ops"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["peak_sram_bytes"], report.peak_sram_bytes);
  EXPECT_EQ(json["flash"]["weights_bytes"], report.weights_bytes);
  ASSERT_EQ(json["ops"].size(), graph.ops.size());
  const auto& first = json["ops"][0];
  EXPECT_EQ(first["name"], "first_conv");
  EXPECT_EQ(first["kind"], "conv2d");
  EXPECT_EQ(first["output_shape"], nlohmann::ordered_json({1, 14, 14, 16}));
  EXPECT_EQ(first["macs"], 14 * 14 * 16 * 9);
  EXPECT_EQ(first["live_bytes"], 28 * 28 + 14 * 14 * 16);
  EXPECT_EQ(first["in_place"], false);
}

TEST(MemoryReport, TableHasAlignedColumnsAndKilobytes) {
  BuildOptions options;
  options.random_weights = false;
  const Graph graph =
      build_graph(load_net_config(source_path("configs/nets/mcunet-in3.json")), options);
  const std::string table = format_memory_report(make_memory_report(graph, plan_memory(graph)));
  EXPECT_NE(table.find("peak SRAM  248,424 B (242.6 kB)  = arena 247,808 B (242.0 kB) + "
                       "scratch 616 B (0.6 kB)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("MACs       81,785,520 (81.79M)"), std::string::npos) << table;
  // Right-aligned numeric columns: every row's MACs value ends where the header's "MACs" ends.
  std::istringstream lines(table);
  std::string line;
  size_t macs_end = std::string::npos;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (macs_end == std::string::npos) {
      const size_t header = line.find(" op ");
      if (header != std::string::npos && line.find("MACs") != std::string::npos) {
        macs_end = line.find("MACs") + 4;
      }
      continue;
    }
    ASSERT_GT(line.size(), macs_end) << line;
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(line[macs_end - 1]))) << line;
    EXPECT_EQ(line[macs_end], ' ') << line;
    ++rows;
  }
  EXPECT_EQ(rows, static_cast<int>(graph.ops.size()));
}

}  // namespace
}  // namespace tinynas::compiler
