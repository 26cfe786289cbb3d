#include "nas/search/svg_chart.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace tinynas::nas {
namespace {

// The tick labels of one axis: y labels are right-aligned, x labels centred.
std::set<std::string> tick_labels(const std::string& svg, const std::string& anchor) {
  const std::regex label("text-anchor='" + anchor + "' font-size='11'>([^<]+)</text>");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator();
       ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

double attribute(const std::string& svg, const std::string& name) {
  const std::regex pattern("<svg[^>]* " + name + "='([0-9.]+)'");
  std::smatch match;
  if (!std::regex_search(svg, match, pattern)) return -1.0;
  return std::stod(match[1].str());
}

ChartSeries scatter(const std::string& label) {
  ChartSeries series;
  series.label = label;
  series.points = {{0.028, 25.547}, {4.351, 30.703}, {2.0, 28.0}};
  return series;
}

TEST(SvgChart, TickLabelsAreRoundNumbersCoveringTheData) {
  const std::string svg = svg_chart(ChartOptions{}, {scatter("")});
  EXPECT_EQ(tick_labels(svg, "middle"), (std::set<std::string>{"0", "1", "2", "3", "4", "5"}));
  EXPECT_EQ(tick_labels(svg, "end"),
            (std::set<std::string>{"25", "26", "27", "28", "29", "30", "31"}));
}

TEST(SvgChart, FractionalRangesGetFractionalRoundTicks) {
  ChartSeries series;
  series.points = {{0.0, 0.0}, {1.0, 1.0}};
  const std::string svg = svg_chart(ChartOptions{}, {series});
  EXPECT_EQ(tick_labels(svg, "end"), (std::set<std::string>{"0", "0.2", "0.4", "0.6", "0.8", "1"}));
}

TEST(SvgChart, LegendSitsBesideThePlotNotOnIt) {
  ChartOptions options;
  const std::string without = svg_chart(options, {scatter("")});
  const std::string with = svg_chart(options, {scatter("verified on the board")});
  EXPECT_EQ(attribute(without, "width"), options.width);
  EXPECT_GT(attribute(with, "width"), options.width);
  // The legend swatch starts right of the plot's frame.
  const std::regex swatch("<rect x='([0-9.]+)' y='[0-9.]+' width='10' height='10'");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(with, match, swatch));
  EXPECT_GT(std::stod(match[1].str()), options.width - 20.0);
}

TEST(SvgBarChart, LongCategoryLabelsGetRoomBelowThePlot) {
  ChartOptions options;
  const BarSeries bytes{"arena", "#1f77b4", {100.0, 200.0}};
  const std::string short_names = svg_bar_chart(options, {"a", "b"}, {bytes});
  const std::string long_names =
      svg_bar_chart(options, {"blocks.0.depthwise", "blocks.12.expand_conv"}, {bytes});
  EXPECT_GT(attribute(long_names, "height"), attribute(short_names, "height"));
}

TEST(SvgChart, EscapesTextFromTheJob) {
  ChartOptions options;
  options.title = "board <an386> & co";
  const std::string svg = svg_chart(options, {scatter("")});
  EXPECT_NE(svg.find("board &lt;an386&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(svg.find("<an386>"), std::string::npos);
}

}  // namespace
}  // namespace tinynas::nas
