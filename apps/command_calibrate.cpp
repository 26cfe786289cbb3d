// tinynas calibrate --farm URL --board KIND --space SPACE.json --samples N [--holdout M]
//                   [--seed S] [--runs R] -o MODEL.json [--json]
// Samples random subnets of a search space (random weights: latency does not depend on
// values), measures them on the farm, fits the latency model on N and reports its error on M
// held-out subnets.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/commands.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "farm/farm_client.h"
#include "latency/latency_model.h"
#include "latency/op_features.h"
#include "space/search_space.h"
#include "space/subnet_config.h"

namespace tinynas::apps {

namespace {

constexpr int kJsonIndent = 2;
constexpr double kPercent = 100.0;
constexpr int kProgressEvery = 10;
// Give up drawing distinct subnets after this many draws per wanted subnet.
constexpr int kMaxDrawsPerSubnet = 100;
constexpr std::chrono::hours kJobTimeout{2};

struct CalibrateOptions {
  std::string farm_url;
  std::string board;
  std::string space_path;
  int samples = 200;
  int holdout = 50;
  uint64_t seed = 1;
  uint32_t runs = 1;
  std::string token;
  std::string output_path;
  bool json = false;
};

struct Candidate {
  std::string name;
  std::vector<uint8_t> bytes;
  std::vector<latency::OpFeatures> ops;
  int64_t job_id = 0;
};

std::vector<Candidate> sample_candidates(const space::SearchSpace& space, int count,
                                         uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::set<std::vector<int>> seen;
  std::vector<Candidate> candidates;
  int draws = 0;
  while (static_cast<int>(candidates.size()) < count) {
    if (++draws > kMaxDrawsPerSubnet * count) {
      throw std::runtime_error("calibrate: the space has fewer than " + std::to_string(count) +
                               " distinct subnets (found " + std::to_string(candidates.size()) +
                               ")");
    }
    const space::SubnetConfig subnet = space::sample_subnet(space, rng);
    if (!seen.insert(space::encode_subnet(space, subnet)).second) continue;
    Candidate c;
    c.name = space::describe_subnet(subnet);
    compiler::BuildOptions build;
    build.seed = static_cast<uint32_t>(candidates.size() + 1);
    const compiler::Graph graph =
        compiler::build_graph(space::to_network_spec(space, subnet), build);
    c.bytes = compiler::write_model(graph, compiler::plan_memory(graph));
    const compiler::LoadedModel loaded(c.bytes, "subnet " + c.name);
    c.ops = latency::extract_op_features(loaded.view());
    candidates.push_back(std::move(c));
  }
  return candidates;
}

void run_calibrate(const CalibrateOptions& options) {
  const space::SearchSpace space = space::load_search_space(options.space_path);
  const int total = options.samples + options.holdout;
  std::vector<Candidate> candidates = sample_candidates(space, total, options.seed);
  fmt::print("calibrate: {} distinct subnets of {} ({} to fit, {} held out); submitting to {}\n",
             total, space.name, options.samples, options.holdout, options.farm_url);

  farm::FarmClient client(options.farm_url, options.token);
  for (Candidate& c : candidates) {
    c.job_id = client.submit(c.bytes, options.board, options.runs).at("id").get<int64_t>();
  }
  std::vector<latency::ModelMeasurement> measured;
  std::string firmware;
  uint32_t clock_hz = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    const nlohmann::json job = client.wait_for_job(c.job_id, kJobTimeout);
    if (job.at("state") != "done") {
      throw std::runtime_error("calibrate: farm job " + std::to_string(c.job_id) + " (subnet " +
                               c.name + ") failed: " + job.value("error", std::string()));
    }
    const profiler::ProfileResult r =
        farm::profile_result_from_json(job.at("measurement").at("result"));
    if (firmware.empty()) {
      firmware = r.firmware_version;
      clock_hz = r.clock_hz;
    } else if (r.firmware_version != firmware) {
      throw std::runtime_error("calibrate: boards of " + options.board +
                               " run different firmware (" + firmware + " and " +
                               r.firmware_version + "): calibrate one firmware at a time");
    }
    measured.push_back(latency::make_measurement(c.name, c.ops, r.per_op_cycles, r.cycles));
    if ((i + 1) % kProgressEvery == 0 || i + 1 == candidates.size()) {
      fmt::print("calibrate: measured {}/{}\n", i + 1, candidates.size());
    }
  }
  const std::vector<latency::ModelMeasurement> fit_set(measured.begin(),
                                                       measured.begin() + options.samples);
  const std::vector<latency::ModelMeasurement> held_out(measured.begin() + options.samples,
                                                        measured.end());
  latency::LatencyModel model =
      latency::fit_latency_model(fit_set, options.board, firmware, clock_hz);
  if (!held_out.empty()) model.holdout = latency::evaluate_latency_model(model, held_out);
  latency::save_latency_model(model, options.output_path);
  if (options.json) {
    fmt::print("{}\n", latency::to_json(model).dump(kJsonIndent));
    return;
  }
  fmt::print("[{} | {}] latency model fitted on {} subnets ({} ops, {} op classes) -> {}\n",
             options.board, firmware, model.model_samples, model.op_samples, model.classes.size(),
             options.output_path);
  if (model.holdout) {
    const auto& h = *model.holdout;
    fmt::print(
        "[{} | {}] held-out {} subnets: {:.1f}% within +-5%, {:.1f}% within +-10%, max error "
        "{:.2f}%, mean error {:.2f}%\n",
        options.board, firmware, h.models, kPercent * h.share_within_5_percent,
        kPercent * h.share_within_10_percent, kPercent * h.max_abs_relative_error,
        kPercent * h.mean_abs_relative_error);
  }
}

}  // namespace

void register_calibrate_command(CLI::App& app) {
  auto options = std::make_shared<CalibrateOptions>();
  CLI::App* command = app.add_subcommand(
      "calibrate",
      "Measure random subnets of a search space on a farm and fit the board's latency model");
  command->add_option("--farm", options->farm_url, "the farm, http://HOST:PORT")->required();
  command->add_option("--board", options->board, "board kind to calibrate")->required();
  command->add_option("--space", options->space_path, "search-space file (configs/spaces/*.json)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--samples", options->samples, "subnets to fit on")
      ->check(CLI::PositiveNumber);
  command->add_option("--holdout", options->holdout, "further subnets to measure the error on")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--seed", options->seed, "subnet sampling seed");
  command->add_option("--runs", options->runs, "inferences per measurement")
      ->check(CLI::PositiveNumber);
  command->add_option("--token", options->token, "bearer token (default: $TINYNAS_FARM_TOKEN)");
  command->add_option("-o,--output", options->output_path, "latency model JSON to write")
      ->required();
  command->add_flag("--json", options->json, "print the fitted model as JSON");
  command->callback([options] { run_calibrate(*options); });
}

}  // namespace tinynas::apps
