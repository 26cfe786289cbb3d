// Small self-contained SVG charts (scatter, lines, step CDFs, grouped bars) for report.html:
// no scripts, no external files, so the report opens anywhere and prints.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tinynas::nas {

struct ChartSeries {
  std::string label;
  std::string color = "#1f77b4";
  std::vector<std::pair<double, double>> points;
  enum class Style { kDots, kCrosses, kLine, kStep } style = Style::kDots;
  double width = 1.5;  // line width, or marker radius
};

struct ReferenceLine {
  bool vertical = true;  // x = value, else y = value
  double value = 0.0;
  std::string label;
  std::string color = "#d62728";
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 640;
  int height = 380;
  bool diagonal = false;  // draw y = x (predicted vs measured)
  std::vector<ReferenceLine> references;
};

std::string svg_chart(const ChartOptions& options, const std::vector<ChartSeries>& series);

// Grouped vertical bars: one group per category, one bar per series (values[series][category]).
struct BarSeries {
  std::string label;
  std::string color;
  std::vector<double> values;
};
std::string svg_bar_chart(const ChartOptions& options, const std::vector<std::string>& categories,
                          const std::vector<BarSeries>& series);

}  // namespace tinynas::nas
