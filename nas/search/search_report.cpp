#include "nas/search/search_report.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "nas/search/search_pipeline.h"
#include "nas/search/svg_chart.h"
#include "text/html_escape.h"

namespace tinynas::nas {
namespace {

using text::html_escape;

constexpr double kPercent = 100.0;
constexpr double kKiB = 1024.0;
constexpr int kWideChart = 900;
constexpr int kBarChartHeight = 460;
const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8"};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);
const char* const kVerifiedColor = "#1f77b4";
const char* const kRejectedColor = "#d62728";
const char* const kFrontColor = "#2ca02c";
const char* const kChosenColor = "#000000";

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << v;
  return out.str();
}

std::string kib(int64_t bytes) { return fixed(static_cast<double>(bytes) / kKiB, 1) + " KiB"; }

std::string stage1_section(const Stage1Result& s1) {
  std::vector<ChartSeries> series;
  for (size_t i = 0; i < s1.points.size(); ++i) {
    const GridPointResult& p = s1.points[i];
    ChartSeries c;
    const bool chosen = static_cast<int>(i) == s1.chosen;
    c.label = p.space_name.substr(p.space_name.rfind("-r") == std::string::npos
                                      ? 0
                                      : p.space_name.rfind("-r") + 1) +
              (chosen ? " (chosen)" : "");
    c.color = chosen ? kChosenColor : kPalette[i % kPaletteSize];
    c.width = chosen ? 3.0 : 1.5;
    c.style = ChartSeries::Style::kStep;
    const size_t n = p.satisfying_macs.size();
    for (size_t k = 0; k < n; ++k) {
      c.points.emplace_back(static_cast<double>(p.satisfying_macs[k]) / 1e6,
                            static_cast<double>(k + 1) / static_cast<double>(n));
    }
    series.push_back(std::move(c));
  }
  ChartOptions o;
  o.title = "Stage 1: MACs of the subnets that fit the memory limits (CDF)";
  o.x_label = "MACs (millions)";
  o.y_label = "cumulative share of fitting subnets";
  o.width = kWideChart;
  std::ostringstream s;
  s << "<h2>Stage 1: the search space</h2><p>Per (width, resolution): random subnets, kept when "
       "the engine's memory planner says they fit. The space whose fitting subnets have the "
       "largest mean MACs is chosen (MCUNet, Lin et al., NeurIPS 2020: more computation under the "
       "same memory tends to mean more accuracy).</p>"
    << svg_chart(o, series)
    << "<table><tr><th>space</th><th>width</th><th>resolution</th><th>fit</th>"
       "<th>mean MACs</th><th>median MACs</th></tr>";
  for (size_t i = 0; i < s1.points.size(); ++i) {
    const GridPointResult& p = s1.points[i];
    s << "<tr" << (static_cast<int>(i) == s1.chosen ? " class='chosen'" : "") << "><td>"
      << html_escape(p.space_name) << "</td><td>" << p.width_multiplier << "</td><td>"
      << p.resolution << "</td><td>" << p.satisfying << " / " << p.samples << "</td><td>"
      << fixed(p.mean_macs / 1e6, 2) << "M</td><td>" << fixed(p.median_macs / 1e6, 2)
      << "M</td></tr>";
  }
  s << "</table>";
  return s.str();
}

std::string tradeoff_chart(const SearchJob& job, const EvolutionOutcome& o, bool latency) {
  ChartSeries verified{"verified on the board", kVerifiedColor, {}, ChartSeries::Style::kDots, 4};
  ChartSeries rejected{
      "ran outside the limits", kRejectedColor, {}, ChartSeries::Style::kCrosses, 5};
  ChartSeries front{"Pareto front", kFrontColor, {}, ChartSeries::Style::kLine, 2};
  auto x_of = [latency](const CandidateRecord& r) {
    return latency ? r.measured->latency_ms
                   : static_cast<double>(r.measured->peak_sram_bytes()) / kKiB;
  };
  for (const auto& [key, r] : o.records) {
    if (!r.measured) continue;
    (r.verified() ? verified : rejected).points.emplace_back(x_of(r), r.accuracy * kPercent);
  }
  // The 2-D front of this projection (verified only).
  std::vector<std::pair<double, double>> pts = verified.points;
  std::sort(pts.begin(), pts.end());
  double best = -1.0;
  for (const auto& p : pts) {
    if (p.second > best) {
      front.points.push_back(p);
      best = p.second;
    }
  }
  ChartOptions opt;
  opt.title = latency ? "Accuracy vs measured latency" : "Accuracy vs peak SRAM";
  opt.x_label = latency ? "latency on " + job.board.kind + " (ms, measured)"
                        : "peak SRAM (KiB: arena + scratch, planned = measured)";
  opt.y_label = "accuracy (%)";
  if (latency && job.constraints.latency_ms) {
    opt.references.push_back({true, *job.constraints.latency_ms, "limit", kRejectedColor});
  }
  if (!latency && job.constraints.peak_sram_bytes) {
    opt.references.push_back({true, static_cast<double>(*job.constraints.peak_sram_bytes) / kKiB,
                              "limit", kRejectedColor});
  }
  return svg_chart(opt, {verified, rejected, front});
}

std::string memory_section(const SearchJob& job, const space::SearchSpace& space,
                           const CandidateRecord& best) {
  const compiler::Graph graph =
      compiler::build_graph_structure(space::to_network_spec(space, best.subnet));
  compiler::PlannerOptions without;
  without.in_place_depthwise = false;
  const compiler::MemoryPlan in_place = compiler::plan_memory(graph);
  const compiler::MemoryPlan plain = compiler::plan_memory(graph, without);
  compiler::PlannerOptions shipped_options;
  shipped_options.schedule = best.cost.schedule;
  const compiler::MemoryPlan shipped = compiler::plan_memory(graph, shipped_options);
  const bool fused = shipped.schedule != compiler::Schedule::kPlain;
  std::vector<std::string> names;
  BarSeries a{"without in-place depthwise", "#ff9896", {}};
  BarSeries b{
      fused ? "with in-place depthwise" : "with in-place depthwise (shipped)", "#1f77b4", {}};
  BarSeries c{std::string(compiler::schedule_name(shipped.schedule)) + " schedule (shipped)",
              "#2ca02c",
              {}};
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    names.push_back(graph.ops[i].name);
    a.values.push_back(static_cast<double>(plain.per_op[i].live_bytes));
    b.values.push_back(static_cast<double>(in_place.per_op[i].live_bytes));
    c.values.push_back(static_cast<double>(shipped.per_op[i].live_bytes));
  }
  std::vector<BarSeries> series{a, b};
  if (fused) series.push_back(c);
  ChartOptions o;
  o.title = "Arena bytes live during each op of the best network";
  o.y_label = "bytes";
  o.width = kWideChart;
  o.height = kBarChartHeight;
  if (job.constraints.peak_sram_bytes) {
    o.references.push_back({false, static_cast<double>(*job.constraints.peak_sram_bytes),
                            "SRAM limit (arena + scratch)", kRejectedColor});
  }
  std::ostringstream s;
  s << "<h2>Memory of the best network</h2><p>Peak SRAM = arena " << kib(in_place.arena_bytes)
    << " + scratch " << kib(in_place.scratch_bytes) << " = " << kib(in_place.peak_sram_bytes())
    << " op by op with in-place depthwise; " << kib(plain.peak_sram_bytes())
    << " without (saved: " << kib(plain.peak_sram_bytes() - in_place.peak_sram_bytes()) << ").";
  if (fused) {
    s << " Shipped with the " << compiler::schedule_name(shipped.schedule)
      << " schedule (MAC overhead " << shipped.mac_overhead << "): arena "
      << kib(shipped.arena_bytes) << " + scratch " << kib(shipped.scratch_bytes) << " = "
      << kib(shipped.peak_sram_bytes()) << ".";
  }
  s << "</p>" << svg_bar_chart(o, names, series);
  return s.str();
}

std::string latency_section(const EvolutionOutcome& o, const SearchJob& job) {
  ChartSeries checks{"prediction before the run", kVerifiedColor, {}, ChartSeries::Style::kDots, 4};
  for (const PredictionCheck& c : o.latency.checks()) {
    checks.points.emplace_back(c.measured_ms, c.predicted_ms);
  }
  ChartOptions opt;
  opt.title = "Latency model: predicted vs measured";
  opt.x_label = "measured on " + job.board.kind + " (ms)";
  opt.y_label = "predicted (ms)";
  opt.diagonal = true;
  std::ostringstream s;
  s << "<h2>Latency model</h2><p>Each point: a candidate's latency predicted by the model of "
       "the time, then measured. The model is refit on every measurement after each hardware "
       "round ("
    << o.latency.measurements() << " measurements, firmware "
    << html_escape(o.latency.firmware_version()) << ").</p>" << svg_chart(opt, {checks});
  return s.str();
}

std::string generations_section(const EvolutionOutcome& o) {
  ChartSeries best{
      "best accuracy of the population", kVerifiedColor, {}, ChartSeries::Style::kLine, 2};
  ChartSeries verified{"best verified on a board", kFrontColor, {}, ChartSeries::Style::kLine, 2};
  for (const GenerationSummary& g : o.history) {
    best.points.emplace_back(g.generation, g.best_accuracy * kPercent);
    if (g.best_verified) verified.points.emplace_back(g.generation, *g.best_verified * kPercent);
  }
  ChartOptions opt;
  opt.title = "Evolution";
  opt.x_label = "generation";
  opt.y_label = "accuracy (%)";
  return "<h2>Evolution</h2>" + svg_chart(opt, {best, verified});
}

std::string candidates_table(const EvolutionOutcome& o) {
  std::vector<const CandidateRecord*> measured;
  for (const auto& [key, r] : o.records) {
    if (r.measured) measured.push_back(&r);
  }
  std::sort(measured.begin(), measured.end(), [](const auto* a, const auto* b) {
    return a->accuracy != b->accuracy ? a->accuracy > b->accuracy : a->key < b->key;
  });
  const std::set<std::string> front(o.front.begin(), o.front.end());
  std::ostringstream s;
  s << "<h2>Candidates run on the board</h2><table><tr><th>subnet</th><th>accuracy</th>"
       "<th>latency (measured / predicted)</th><th>peak SRAM</th><th>flash</th><th>MACs</th>"
       "<th>verdict</th></tr>";
  for (const CandidateRecord* r : measured) {
    const BoardRecord& m = *r->measured;
    s << "<tr class='" << (r->verified() ? (front.count(r->key) ? "front" : "ok") : "bad")
      << "'><td><code>" << html_escape(space::describe_subnet(r->subnet)) << "</code></td><td>"
      << fixed(r->accuracy * kPercent, 2) << "%</td><td>" << fixed(m.latency_ms, 2) << " / "
      << (m.predicted_ms >= 0 ? fixed(m.predicted_ms, 2) : "-") << " ms</td><td>"
      << kib(m.peak_sram_bytes()) << "</td><td>" << kib(m.model_bytes) << "</td><td>"
      << fixed(static_cast<double>(r->cost.macs) / 1e6, 2) << "M</td><td>" << html_escape(m.verdict)
      << "</td></tr>";
  }
  s << "</table>";
  return s.str();
}

}  // namespace

std::string render_search_report(const SearchJob& job, const PipelineResult& result) {
  const EvolutionOutcome& o = result.outcome;
  std::ostringstream s;
  s << "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>tinynas search: "
    << html_escape(job.name) << "</title><style>"
    << "body{font-family:sans-serif;max-width:960px;margin:24px auto;color:#222;padding:0 12px}"
    << "table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}"
    << "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
    << "th{background:#f3f3f3}tr.chosen td,tr.front td{background:#e8f5e9}"
    << "tr.bad td{background:#fdecea}svg{display:block;margin:8px 0 18px}"
    << ".best{background:#f5f9ff;border:1px solid #bcd;padding:8px 14px}"
    << "</style></head><body>";
  s << "<h1>tinynas search: " << html_escape(job.name) << "</h1>";
  s << "<p>Board <b>" << html_escape(job.board.kind) << "</b> (" << html_escape(job.board.core)
    << ", " << job.board.clock_hz / 1000000 << " MHz), firmware <code>"
    << html_escape(o.latency.firmware_version()) << "</code>. Limits:";
  if (job.constraints.peak_sram_bytes) s << " SRAM " << kib(*job.constraints.peak_sram_bytes);
  if (job.constraints.flash_bytes) s << ", flash " << kib(*job.constraints.flash_bytes);
  if (job.constraints.latency_ms) s << ", latency " << *job.constraints.latency_ms << " ms";
  s << ". Searched space <code>" << html_escape(result.space.name) << "</code>, "
    << o.records.size() << " architectures evaluated over " << job.evolution.generations
    << " generations, seed " << job.seed << ".</p>";
  if (!result.dataset_description.empty()) {
    s << "<p>Dataset: " << html_escape(result.dataset_description) << ". Classes:";
    for (size_t c = 0; c < result.class_names.size(); ++c) {
      s << (c == 0 ? " " : ", ") << c << " <b>" << html_escape(result.class_names[c]) << "</b>";
    }
    s << ".</p>";
  }
  if (o.best) {
    const CandidateRecord& b = o.records.at(*o.best);
    const std::optional<FinalModel>& f = result.final_model;
    const BoardRecord& m = f ? f->measured : *b.measured;
    s << "<div class='best'><h2>Best network (verified on the board)</h2><p><code>"
      << html_escape(space::describe_subnet(b.subnet)) << "</code></p><table>";
    if (f) {
      s << "<tr><th>Final training</th><td>" << f->settings.epochs << " epoch(s) from "
        << (f->settings.start == FinalTrainingStart::kScratch ? "scratch"
                                                              : "the supernet's weights")
        << ", learning rate " << f->settings.learning_rate << "</td></tr><tr><th>accuracy</th><td>"
        << fixed(f->accuracy * kPercent, 2) << "% (validation split; "
        << fixed(f->search_accuracy * kPercent, 2) << "% with the supernet's weights)</td></tr>";
    } else {
      s << "<tr><th>accuracy</th><td>" << fixed(b.accuracy * kPercent, 2)
        << "% (validation split, the supernet's weights)</td></tr>";
    }
    s << "<tr><th>latency</th><td>" << fixed(m.latency_ms, 3) << " ms measured on "
      << html_escape(m.board) << " (" << html_escape(m.firmware_version) << "), " << m.cycles
      << " cycles</td></tr><tr><th>peak SRAM</th><td>" << kib(m.peak_sram_bytes()) << " (arena "
      << kib(m.planned_arena_bytes) << " planned, " << kib(m.arena_bytes)
      << " painted on the board; scratch " << kib(m.scratch_bytes) << ")</td></tr>"
      << "<tr><th>flash (model file)</th><td>" << kib(m.model_bytes) << "</td></tr>"
      << "<tr><th>schedule</th><td>" << schedule_description(b.cost)
      << "</td></tr><tr><th>MACs / params</th><td>" << fixed(b.cost.macs / 1e6, 2) << "M / "
      << fixed(b.cost.params / 1e3, 1) << "k</td></tr><tr><th>output vs host engine</th><td>"
      << (m.output_matches_host ? "bit-exact" : "differs") << "</td></tr></table></div>";
  } else {
    s << "<div class='best'><h2>No network verified</h2><p>No candidate ran on the board within "
         "all limits; nothing is reported as feasible.</p></div>";
  }
  if (result.stage1) s << stage1_section(*result.stage1);
  s << "<h2>Trade-offs (candidates run on the board)</h2>" << tradeoff_chart(job, o, true)
    << tradeoff_chart(job, o, false);
  if (o.best) s << memory_section(job, result.space, o.records.at(*o.best));
  s << latency_section(o, job) << generations_section(o) << candidates_table(o);
  s << "</body></html>\n";
  return s.str();
}

void write_search_report(const std::string& path, const SearchJob& job,
                         const PipelineResult& result) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw std::runtime_error(path + ": cannot open for writing");
  out << render_search_report(job, result);
  if (!out.flush()) throw std::runtime_error(path + ": write failed");
}

}  // namespace tinynas::nas
