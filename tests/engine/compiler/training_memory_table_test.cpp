// The README's training-memory table (between its "training-memory" markers) is what the planner
// gives: each row's net and scheme planned with and without reordering and master copies, as
// `tinynas memory --net-config N --train-scheme S [--no-reorder] [--no-master-copies]` prints it
// (the command builds the net with seed 1 random weights, as here).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/net_config_import.h"
#include "engine/compiler/training_planner.h"

namespace tinynas::compiler {
namespace {

std::string source_path(const std::string& relative) {
  return std::string(TINYNAS_SOURCE_DIR) + "/" + relative;
}

std::vector<std::string> table_rows() {
  std::ifstream readme(source_path("README.md"));
  std::vector<std::string> rows;
  bool inside = false;
  for (std::string line; std::getline(readme, line);) {
    if (line.rfind("<!-- training-memory: end", 0) == 0) break;
    if (line.rfind("<!-- training-memory:", 0) == 0) inside = true;
    if (inside && line.rfind("| ", 0) == 0 && line.find(" | `") != std::string::npos) {
      rows.push_back(line);  // a row naming its scheme file, not the header
    }
  }
  return rows;
}

std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> result;
  std::stringstream stream(row.substr(1));
  for (std::string cell; std::getline(stream, cell, '|');) {
    const size_t first = cell.find_first_not_of(' ');
    const size_t last = cell.find_last_not_of(' ');
    result.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  return result;
}

int64_t figure(std::string text) {
  std::string digits;
  for (char c : text) {
    if (c != ',') digits += c;
  }
  return std::stoll(digits);
}

TEST(TrainingMemoryTable, ReadmeFiguresAreThePlannersPeaks) {
  const std::vector<std::string> rows = table_rows();
  ASSERT_EQ(rows.size(), 8u) << "the README's training-memory table";
  for (const std::string& row : rows) {
    const std::vector<std::string> columns = cells(row);
    ASSERT_GE(columns.size(), 6u) << row;
    const std::string net = columns[0];
    const std::string scheme_name = columns[1].substr(1, columns[1].size() - 2);  // `...`
    const Graph graph = build_graph(load_net_config(source_path("configs/nets/" + net + ".json")));
    const ValidatedGraph validated = validate_graph(graph, GraphUse::kPlanning);
    const UpdateScheme scheme =
        load_update_scheme(source_path("configs/schemes/" + scheme_name + ".json"));
    for (int column = 0; column < 4; ++column) {
      TrainingOptions options;
      options.reorder = column % 2 == 0;
      options.master_copies = column < 2;
      EXPECT_EQ(plan_training_memory(validated, scheme, options).plan.peak_sram_bytes(),
                figure(columns[2 + column]))
          << scheme_name << " column " << column + 3;
    }
  }
}

}  // namespace
}  // namespace tinynas::compiler
