#include "nas/search/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "text/html_escape.h"

namespace tinynas::nas {
namespace {

using text::html_escape;

constexpr double kMarginLeft = 70.0;
constexpr double kMarginRight = 20.0;
constexpr double kMarginTop = 34.0;
constexpr double kMarginBottom = 52.0;
constexpr int kTicks = 5;
constexpr double kLegendRow = 16.0;
constexpr double kLegendWidth = 190.0;
constexpr double kLegendGap = 12.0;
constexpr double kCategoryLabelAngle = -45.0;
constexpr size_t kMaxCategoryLabels = 60;
constexpr double kCategoryCharWidth = 5.5;  // of the 9 px category labels
constexpr double kCategoryLabelGap = 8.0;
constexpr double kSin45 = 0.70710678;

// A tick step of 1, 2 or 5 times a power of ten that cuts `span` into about kTicks intervals
// (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
double nice_step(double span) {
  const double raw = span / kTicks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double nice = fraction < 1.5 ? 1.0 : fraction < 3.0 ? 2.0 : fraction < 7.0 ? 5.0 : 10.0;
  return nice * magnitude;
}

struct Range {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double step = 1.0;  // between ticks, set by snap()
  void add(double v) {
    min = std::min(min, v);
    max = std::max(max, v);
  }
  // Widens the range to whole tick steps, so that every tick label is a round number.
  void snap() {
    if (!(min <= max)) {
      min = 0.0;
      max = 1.0;
    }
    if (max == min) {
      max += 1.0;
      min -= 1.0;
    }
    step = nice_step(max - min);
    // A data point within this share of a step of a tick sits on it (rounding of the data).
    constexpr double kOnTick = 1e-9;
    min = std::floor(min / step + kOnTick) * step;
    max = std::ceil(max / step - kOnTick) * step;
  }
  std::vector<double> ticks() const {
    std::vector<double> out;
    const int count = static_cast<int>(std::lround((max - min) / step));
    for (int i = 0; i <= count; ++i) out.push_back(min + step * i);
    return out;
  }
};

std::string format_tick(double v) {
  std::ostringstream out;
  const double a = std::abs(v);
  if (a >= 1e6) {
    out << std::round(v / 1e5) / 10 << "M";
  } else if (a >= 1e4) {
    out << std::round(v / 1e2) / 10 << "k";
  } else if (a >= 100) {
    out << std::round(v);
  } else {
    out << std::round(v * 1000) / 1000;
  }
  return out.str();
}

class Frame {
 public:
  // `bottom`: room below the plot for tick labels and the axis title.
  Frame(const ChartOptions& o, Range x, Range y, double bottom = kMarginBottom)
      : o_(o), x_(x), y_(y), bottom_(bottom) {}
  double plot_bottom() const { return o_.height - bottom_; }
  double px(double v) const {
    return kMarginLeft + (v - x_.min) / (x_.max - x_.min) * (o_.width - kMarginLeft - kMarginRight);
  }
  double py(double v) const {
    return plot_bottom() - (v - y_.min) / (y_.max - y_.min) * (plot_bottom() - kMarginTop);
  }
  void axes(std::ostringstream& s, bool x_ticks) const {
    s << "<rect x='" << kMarginLeft << "' y='" << kMarginTop << "' width='"
      << o_.width - kMarginLeft - kMarginRight << "' height='" << plot_bottom() - kMarginTop
      << "' fill='#fff' stroke='#888'/>";
    for (const double yv : y_.ticks()) {
      s << "<line x1='" << kMarginLeft << "' x2='" << o_.width - kMarginRight << "' y1='" << py(yv)
        << "' y2='" << py(yv) << "' stroke='#eee'/>";
      s << "<text x='" << kMarginLeft - 6 << "' y='" << py(yv) + 4
        << "' text-anchor='end' font-size='11'>" << format_tick(yv) << "</text>";
    }
    for (const double xv : x_ticks ? x_.ticks() : std::vector<double>{}) {
      s << "<line y1='" << kMarginTop << "' y2='" << plot_bottom() << "' x1='" << px(xv) << "' x2='"
        << px(xv) << "' stroke='#eee'/>";
      s << "<text x='" << px(xv) << "' y='" << plot_bottom() + 16
        << "' text-anchor='middle' font-size='11'>" << format_tick(xv) << "</text>";
    }
    s << "<text x='" << o_.width / 2.0 << "' y='20' text-anchor='middle' font-size='14' "
      << "font-weight='bold'>" << html_escape(o_.title) << "</text>";
    s << "<text x='" << (kMarginLeft + o_.width - kMarginRight) / 2 << "' y='" << o_.height - 8
      << "' text-anchor='middle' font-size='12'>" << html_escape(o_.x_label) << "</text>";
    s << "<text transform='translate(16," << (kMarginTop + plot_bottom()) / 2
      << ") rotate(-90)' text-anchor='middle' font-size='12'>" << html_escape(o_.y_label)
      << "</text>";
  }

 private:
  const ChartOptions& o_;
  Range x_, y_;
  double bottom_;
};

void legend(std::ostringstream& s, const ChartOptions& o,
            const std::vector<std::pair<std::string, std::string>>& entries) {
  // Right of the plot, in the room open_svg() added, so it never hides data.
  double y = kMarginTop + 8;
  const double x = o.width - kMarginRight + kLegendGap;
  for (const auto& [label, color] : entries) {
    if (label.empty()) continue;
    s << "<rect x='" << x << "' y='" << y - 8 << "' width='10' height='10' fill='" << color
      << "'/><text x='" << x + 14 << "' y='" << y + 1 << "' font-size='11'>" << html_escape(label)
      << "</text>";
    y += kLegendRow;
  }
}

template <typename Series>
bool has_legend(const std::vector<Series>& series) {
  return std::any_of(series.begin(), series.end(),
                     [](const Series& one) { return !one.label.empty(); });
}

std::string open_svg(const ChartOptions& o, bool with_legend) {
  const double width = o.width + (with_legend ? kLegendWidth : 0.0);
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << o.height
    << "' viewBox='0 0 " << width << " " << o.height
    << "' font-family='sans-serif' role='img'><title>" << html_escape(o.title) << "</title>";
  return s.str();
}

}  // namespace

std::string svg_chart(const ChartOptions& o, const std::vector<ChartSeries>& series) {
  Range x, y;
  for (const ChartSeries& s : series) {
    for (const auto& [px, py] : s.points) {
      x.add(px);
      y.add(py);
    }
  }
  for (const ReferenceLine& r : o.references) (r.vertical ? x : y).add(r.value);
  if (o.diagonal) {
    const double lo = std::min(x.min, y.min), hi = std::max(x.max, y.max);
    x.add(lo), x.add(hi), y.add(lo), y.add(hi);
  }
  x.snap();
  y.snap();
  const Frame f(o, x, y);
  std::ostringstream s;
  s << open_svg(o, has_legend(series));
  f.axes(s, true);
  if (o.diagonal) {
    const double lo = std::max(x.min, y.min), hi = std::min(x.max, y.max);
    s << "<line x1='" << f.px(lo) << "' y1='" << f.py(lo) << "' x2='" << f.px(hi) << "' y2='"
      << f.py(hi) << "' stroke='#999' stroke-dasharray='4 3'/>";
  }
  for (const ReferenceLine& r : o.references) {
    if (r.vertical) {
      s << "<line x1='" << f.px(r.value) << "' x2='" << f.px(r.value) << "' y1='" << kMarginTop
        << "' y2='" << o.height - kMarginBottom << "' stroke='" << r.color
        << "' stroke-dasharray='6 3'/><text x='" << f.px(r.value) - 4 << "' y='" << kMarginTop + 12
        << "' text-anchor='end' font-size='11' fill='" << r.color << "'>" << html_escape(r.label)
        << "</text>";
    } else {
      s << "<line y1='" << f.py(r.value) << "' y2='" << f.py(r.value) << "' x1='" << kMarginLeft
        << "' x2='" << o.width - kMarginRight << "' stroke='" << r.color
        << "' stroke-dasharray='6 3'/><text x='" << kMarginLeft + 4 << "' y='" << f.py(r.value) - 4
        << "' font-size='11' fill='" << r.color << "'>" << html_escape(r.label) << "</text>";
    }
  }
  std::vector<std::pair<std::string, std::string>> entries;
  for (const ChartSeries& c : series) {
    entries.emplace_back(c.label, c.color);
    if (c.points.empty()) continue;
    switch (c.style) {
      case ChartSeries::Style::kDots:
        for (const auto& [px, py] : c.points) {
          s << "<circle cx='" << f.px(px) << "' cy='" << f.py(py) << "' r='" << c.width
            << "' fill='" << c.color << "' fill-opacity='0.75'/>";
        }
        break;
      case ChartSeries::Style::kCrosses:
        for (const auto& [px, py] : c.points) {
          const double cx = f.px(px), cy = f.py(py), r = c.width;
          s << "<path d='M" << cx - r << " " << cy - r << "L" << cx + r << " " << cy + r << "M"
            << cx - r << " " << cy + r << "L" << cx + r << " " << cy - r << "' stroke='" << c.color
            << "' stroke-width='1.5'/>";
        }
        break;
      case ChartSeries::Style::kLine:
      case ChartSeries::Style::kStep: {
        s << "<path fill='none' stroke='" << c.color << "' stroke-width='" << c.width << "' d='";
        for (size_t i = 0; i < c.points.size(); ++i) {
          const double px = f.px(c.points[i].first), py = f.py(c.points[i].second);
          if (i == 0) {
            s << "M" << px << " " << py;
          } else if (c.style == ChartSeries::Style::kStep) {
            s << "H" << px << "V" << py;
          } else {
            s << "L" << px << " " << py;
          }
        }
        s << "'/>";
        break;
      }
    }
  }
  legend(s, o, entries);
  s << "</svg>";
  return s.str();
}

std::string svg_bar_chart(const ChartOptions& o, const std::vector<std::string>& categories,
                          const std::vector<BarSeries>& series) {
  Range x, y;
  x.min = 0.0;
  x.max = static_cast<double>(std::max<size_t>(categories.size(), 1));
  y.add(0.0);
  for (const BarSeries& b : series) {
    for (double v : b.values) y.add(v);
  }
  for (const ReferenceLine& r : o.references) {
    if (!r.vertical) y.add(r.value);
  }
  y.snap();
  // The rotated category labels get a band of their own under the plot.
  size_t longest = 0;
  for (const std::string& c : categories) longest = std::max(longest, c.size());
  const double label_band = static_cast<double>(longest) * kCategoryCharWidth * kSin45;
  ChartOptions taller = o;
  taller.height = o.height + static_cast<int>(std::ceil(label_band));
  const Frame f(taller, x, y, kMarginBottom + label_band);
  std::ostringstream s;
  s << open_svg(taller, has_legend(series));
  f.axes(s, false);
  const double group = f.px(1.0) - f.px(0.0);
  const double bar = group * 0.8 / static_cast<double>(std::max<size_t>(series.size(), 1));
  for (size_t si = 0; si < series.size(); ++si) {
    for (size_t c = 0; c < series[si].values.size() && c < categories.size(); ++c) {
      const double v = series[si].values[c];
      const double left = f.px(static_cast<double>(c)) + group * 0.1 + bar * si;
      s << "<rect x='" << left << "' y='" << f.py(v) << "' width='" << bar << "' height='"
        << f.py(0.0) - f.py(v) << "' fill='" << series[si].color << "'><title>"
        << html_escape(categories[c] + " (" + series[si].label + "): ") << format_tick(v)
        << " B</title></rect>";
    }
  }
  const size_t every = categories.size() / kMaxCategoryLabels + 1;
  for (size_t c = 0; c < categories.size(); c += every) {
    const double cx = f.px(c + 0.5);
    const double cy = f.plot_bottom() + kCategoryLabelGap;
    s << "<text transform='translate(" << cx << "," << cy << ") rotate(" << kCategoryLabelAngle
      << ")' text-anchor='end' font-size='9'>" << html_escape(categories[c]) << "</text>";
  }
  for (const ReferenceLine& r : o.references) {
    if (r.vertical) continue;
    s << "<line y1='" << f.py(r.value) << "' y2='" << f.py(r.value) << "' x1='" << kMarginLeft
      << "' x2='" << o.width - kMarginRight << "' stroke='" << r.color
      << "' stroke-dasharray='6 3'/><text x='" << kMarginLeft + 4 << "' y='" << f.py(r.value) - 4
      << "' font-size='11' fill='" << r.color << "'>" << html_escape(r.label) << "</text>";
  }
  std::vector<std::pair<std::string, std::string>> entries;
  for (const BarSeries& b : series) entries.emplace_back(b.label, b.color);
  legend(s, o, entries);
  s << "</svg>";
  return s.str();
}

}  // namespace tinynas::nas
