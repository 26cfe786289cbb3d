#include "nas/search/evolution_search.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "nas/search/search_pipeline.h"
#include "search_fakes.h"

namespace tinynas::nas {
namespace {

using testing::FakeAccuracy;
using testing::FakeBoard;
using testing::FakeSupernet;
using testing::ScratchDir;

const std::string kSource = TINYNAS_SOURCE_DIR;

SearchJob tiny_job(const std::string& output_dir, uint64_t seed = 1) {
  SearchJob job;
  job.name = "tiny";
  job.board = profiler::find_board_spec("qemu-mps2-an386");
  job.board.clock_hz = 1000000;
  job.space = testing::tiny_space();
  job.stage1.enabled = true;
  job.stage1.width_multipliers = {0.5, 1.0};
  job.stage1.resolutions = {12, 16};
  job.stage1.samples = 20;
  job.constraints.peak_sram_bytes = 8000;
  job.constraints.latency_ms = 450.0;
  job.evolution.population = 12;
  job.evolution.generations = 5;
  job.evolution.hardware_every = 2;
  job.evolution.hardware_top_k = 2;
  job.evolution.calibration_samples = 6;
  job.evolution.max_tries = 400;
  job.output_dir = output_dir;
  job.seed = seed;
  return job;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

PipelineResult run(const SearchJob& job, FakeBoard& board, PipelineOptions options = {}) {
  FakeSupernet supernet;
  return run_search(job, supernet, board, options);
}

void expect_only_verified_reported(const SearchJob& job, const PipelineResult& r) {
  const EvolutionOutcome& o = r.outcome;
  ASSERT_TRUE(o.finished);
  for (const std::string& key : o.front) {
    const CandidateRecord& c = o.records.at(key);
    ASSERT_TRUE(c.measured) << key;
    EXPECT_TRUE(c.verified()) << key;
    EXPECT_LE(c.measured->latency_ms, *job.constraints.latency_ms) << key;
    EXPECT_LE(c.measured->peak_sram_bytes(), *job.constraints.peak_sram_bytes) << key;
  }
  if (o.best) {
    const CandidateRecord& best = o.records.at(*o.best);
    EXPECT_TRUE(best.verified());
    EXPECT_LE(best.measured->latency_ms, *job.constraints.latency_ms);
  }
  const nlohmann::json pareto = config::read_json_file(r.output_dir + "/pareto.json");
  for (const nlohmann::json& c : pareto.at("front")) {
    EXPECT_TRUE(c.at("verified").get<bool>());
    EXPECT_LE(c.at("measured").at("latency_ms").get<double>(), *job.constraints.latency_ms);
    EXPECT_LE(c.at("measured").at("peak_sram_bytes").get<int64_t>(),
              *job.constraints.peak_sram_bytes);
  }
}

TEST(GenomeOps, ExpressTruncatesToDepthAndJsonRoundTrips) {
  const space::SearchSpace space = testing::tiny_space();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20; ++i) {
    const Genome g = random_genome(space, rng);
    const space::SubnetConfig s = express(g);
    space::validate_subnet(space, s);
    EXPECT_EQ(genome_from_json(to_json(g)), g);
    const Genome m = mutate(space, g, 1.0, rng);
    space::validate_subnet(space, express(m));
    space::validate_subnet(space, express(crossover(g, m, rng)));
    EXPECT_EQ(mutate(space, g, 0.0, rng), g);
  }
}

TEST(EvolutionSearch, ProducesResultFilesAndReportsOnlyBoardVerifiedCandidates) {
  ScratchDir dir("full");
  const SearchJob job = tiny_job(dir.sub("out"));
  FakeBoard board;
  const PipelineResult r = run(job, board);
  expect_only_verified_reported(job, r);
  ASSERT_TRUE(r.outcome.best.has_value());
  for (const char* file : {"pareto.json", "history.jsonl", "report.html", "best/arch.json",
                           "best/model.tnm", "best/profile.json", "stage1/cdf.json"}) {
    EXPECT_TRUE(std::filesystem::exists(r.output_dir + "/" + file)) << file;
  }
  // One history line per generation, initial population included.
  std::ifstream history(r.output_dir + "/history.jsonl");
  int lines = 0;
  for (std::string line; std::getline(history, line);) ++lines;
  EXPECT_EQ(lines, job.evolution.generations + 1);
  // The shipped model is the one measured and it loads.
  compiler::load_model_file(r.output_dir + "/best/model.tnm");
  const std::string html = read_file(r.output_dir + "/report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(EvolutionSearch, CandidatesThatRunOverTheLimitAreNeverReported) {
  ScratchDir dir("penalty");
  SearchJob job = tiny_job(dir.sub("out"));
  FakeBoard board;
  // A third of the models (by file size) run 30% slower than their op features say: no latency
  // model can predict it, so only the board can catch those candidates.
  board.slowdown = [](const std::vector<uint8_t>& model) {
    return model.size() % 3 == 0 ? 0.3 : 0.0;
  };
  const PipelineResult r = run(job, board);
  expect_only_verified_reported(job, r);
  int over = 0;
  for (const auto& [key, c] : r.outcome.records) {
    if (c.measured && !c.measured->within_limits) ++over;
  }
  EXPECT_GT(over, 0) << "the test must make the board reject some predicted-feasible candidate";
  EXPECT_FALSE(r.outcome.front.empty());
}

// An SRAM limit below every subnet's op-by-op peak: only the joint search (schedule part of the
// candidate) finds networks, all running fused blocks or a patch stage, measured within the limit.
TEST(EvolutionSearch, JointScheduleFindsNetworksThatOnlyFitWithoutOpByOp) {
  ScratchDir dir("joint");
  SearchJob job = tiny_job(dir.sub("out"));
  job.stage1.enabled = false;
  std::mt19937_64 rng(11);
  int64_t lowest_plain_peak =
      subnet_cost(job.space, space::smallest_subnet(job.space)).peak_sram_bytes;
  for (int i = 0; i < 300; ++i) {
    lowest_plain_peak =
        std::min(lowest_plain_peak,
                 subnet_cost(job.space, space::sample_subnet(job.space, rng)).peak_sram_bytes);
  }
  job.constraints.peak_sram_bytes = lowest_plain_peak - 1;
  ASSERT_TRUE(fits_memory(
      subnet_cost(job.space, space::smallest_subnet(job.space), job.constraints), job.constraints))
      << "fused blocks or patches must bring the smallest subnet under the limit";

  FakeBoard board;
  const PipelineResult r = run(job, board);
  expect_only_verified_reported(job, r);
  ASSERT_TRUE(r.outcome.best.has_value());
  const CandidateRecord& best = r.outcome.records.at(*r.outcome.best);
  EXPECT_NE(best.cost.plan, compiler::Schedule::kPlain);
  EXPECT_EQ(best.cost.schedule, compiler::Schedule::kAuto);
  for (const auto& [key, c] : r.outcome.records) {
    if (c.measured) {
      EXPECT_LE(c.measured->peak_sram_bytes(), lowest_plain_peak - 1) << key;
    }
  }
  const compiler::LoadedModel shipped = compiler::load_model_file(r.output_dir + "/best/model.tnm");
  EXPECT_TRUE(testing::runs_other_than_op_by_op(shipped.view()));
  EXPECT_EQ(config::read_json_file(r.output_dir + "/best/summary.json")
                .at("cost")
                .at("schedule")
                .get<std::string>(),
            "auto");

  SearchJob plain_only = job;
  plain_only.output_dir = dir.sub("plain");
  plain_only.constraints.schedule = ScheduleChoice::kPlain;
  FakeBoard plain_board;
  EXPECT_THROW(run(plain_only, plain_board), std::runtime_error);
}

// "objective": "macs" ships the verified candidate with the most MACs (accuracy only breaks
// ties); the default ships the most accurate verified one.
TEST(EvolutionSearch, TheObjectiveDecidesWhichVerifiedCandidateShips) {
  for (const EvolutionObjective objective :
       {EvolutionObjective::kAccuracy, EvolutionObjective::kMacs}) {
    const std::string name = evolution_objective_name(objective);
    ScratchDir dir("objective-" + name);
    SearchJob job = tiny_job(dir.sub("out"));
    job.evolution.objective = objective;
    FakeBoard board;
    const PipelineResult r = run(job, board);
    ASSERT_TRUE(r.outcome.best.has_value()) << name;
    const CandidateRecord& best = r.outcome.records.at(*r.outcome.best);
    int verified = 0;
    for (const auto& [key, c] : r.outcome.records) {
      if (!c.verified()) continue;
      ++verified;
      if (objective == EvolutionObjective::kMacs) {
        EXPECT_LE(c.cost.macs, best.cost.macs) << key;
        if (c.cost.macs == best.cost.macs) {
          EXPECT_LE(c.accuracy, best.accuracy) << key;
        }
      } else {
        EXPECT_LE(c.accuracy, best.accuracy) << key;
      }
    }
    EXPECT_GT(verified, 1) << name << ": the rule must choose between candidates";
  }
}

TEST(EvolutionSearch, SameSeedSameResult) {
  ScratchDir dir("determinism");
  FakeBoard board_a, board_b;
  const PipelineResult a = run(tiny_job(dir.sub("a"), 4), board_a);
  const PipelineResult b = run(tiny_job(dir.sub("b"), 4), board_b);
  EXPECT_EQ(read_file(a.output_dir + "/pareto.json"), read_file(b.output_dir + "/pareto.json"));
  EXPECT_EQ(read_file(a.output_dir + "/history.jsonl"), read_file(b.output_dir + "/history.jsonl"));
  EXPECT_EQ(read_file(a.output_dir + "/best/arch.json"),
            read_file(b.output_dir + "/best/arch.json"));
  EXPECT_EQ(a.outcome.records.size(), b.outcome.records.size());
}

TEST(EvolutionSearch, ResumeEqualsUninterruptedRun) {
  ScratchDir dir("resume");
  FakeBoard straight_board;
  const PipelineResult straight = run(tiny_job(dir.sub("straight")), straight_board);

  const SearchJob job = tiny_job(dir.sub("interrupted"));
  FakeBoard first_board;
  PipelineOptions first;
  first.stop_after_generation = 2;
  const PipelineResult partial = run(job, first_board, first);
  EXPECT_FALSE(partial.outcome.finished);
  EXPECT_FALSE(std::filesystem::exists(job.output_dir + "/pareto.json"));
  // Without --resume the half-done directory is refused.
  FakeBoard refused_board;
  EXPECT_THROW(run(job, refused_board), std::runtime_error);

  FakeBoard second_board;
  PipelineOptions second;
  second.resume = true;
  const PipelineResult resumed = run(job, second_board, second);
  ASSERT_TRUE(resumed.outcome.finished);
  EXPECT_EQ(read_file(straight.output_dir + "/history.jsonl"),
            read_file(resumed.output_dir + "/history.jsonl"));
  EXPECT_EQ(read_file(straight.output_dir + "/pareto.json"),
            read_file(resumed.output_dir + "/pareto.json"));
  EXPECT_EQ(read_file(straight.output_dir + "/best/arch.json"),
            read_file(resumed.output_dir + "/best/arch.json"));
  // The resumed run did not measure again what was measured before the interruption.
  EXPECT_EQ(first_board.calls + second_board.calls, straight_board.calls);
}

TEST(EvolutionSearch, ResumeRefusesACheckpointOfAnotherJob) {
  ScratchDir dir("resume-other");
  SearchJob job = tiny_job(dir.sub("out"));
  FakeBoard board;
  PipelineOptions first;
  first.stop_after_generation = 1;
  run(job, board, first);
  job.evolution.population = 10;
  PipelineOptions second;
  second.resume = true;
  try {
    run(job, board, second);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("evolution differs"), std::string::npos) << e.what();
  }
}

TEST(EvolutionSearch, FinalTrainingShipsTheTrainedWeightsAfterTheyRanOnTheBoard) {
  ScratchDir dir("final");
  FakeBoard plain_board;
  const PipelineResult plain = run(tiny_job(dir.sub("plain")), plain_board);
  ASSERT_TRUE(plain.outcome.best.has_value());
  EXPECT_FALSE(plain.final_model.has_value());

  SearchJob job = tiny_job(dir.sub("final"));
  job.final_training = FinalTrainingSettings{FinalTrainingStart::kScratch, 3, 0.1, 0};
  FakeBoard board;
  FakeSupernet supernet;
  // An emulated board would spin a core during the training: the search lets it stop first.
  bool board_running_during_training = true;
  supernet.on_train_final = [&] { board_running_during_training = board.running; };
  const PipelineResult r = run_search(job, supernet, board, {});
  EXPECT_FALSE(board_running_during_training);
  EXPECT_FALSE(board.running);
  ASSERT_TRUE(r.outcome.best.has_value());
  const CandidateRecord& best = r.outcome.records.at(*r.outcome.best);
  // The search itself is unchanged; the best network is trained once, then run on the board.
  EXPECT_EQ(read_file(plain.output_dir + "/best/arch.json"),
            read_file(r.output_dir + "/best/arch.json"));
  EXPECT_EQ(supernet.final_trainings, 1);
  EXPECT_EQ(space::describe_subnet(supernet.trained_subnet), space::describe_subnet(best.subnet));
  EXPECT_EQ(board.calls, plain_board.calls + 1);
  ASSERT_TRUE(r.final_model.has_value());
  EXPECT_DOUBLE_EQ(r.final_model->search_accuracy, best.accuracy);
  EXPECT_DOUBLE_EQ(r.final_model->accuracy, best.accuracy + FakeSupernet::kFinalTrainingBonus);
  EXPECT_TRUE(r.final_model->measured.within_limits);

  // best/ ships the trained model, the one that ran on the board, not the search's.
  const std::string shipped = read_file(r.output_dir + "/best/model.tnm");
  EXPECT_EQ(shipped, read_file(r.output_dir + "/state/" + r.final_model->measured.model_file));
  EXPECT_NE(shipped, read_file(r.output_dir + "/state/" + best.measured->model_file));
  const nlohmann::json summary = config::read_json_file(r.output_dir + "/best/summary.json");
  EXPECT_DOUBLE_EQ(summary.at("accuracy").get<double>(), r.final_model->accuracy);
  EXPECT_DOUBLE_EQ(summary.at("search_accuracy").get<double>(), best.accuracy);
  EXPECT_EQ(summary.at("final_training").at("from"), "scratch");
  EXPECT_EQ(summary.at("final_training").at("epochs"), 3);
  EXPECT_EQ(summary.at("measured").at("model_file"), r.final_model->measured.model_file);
  EXPECT_NE(read_file(r.output_dir + "/report.html").find("Final training"), std::string::npos);
}

TEST(EvolutionSearch, FinalModelOverTheLimitOnTheBoardIsNotShipped) {
  ScratchDir dir("final-over");
  SearchJob job = tiny_job(dir.sub("out"));
  job.final_training = FinalTrainingSettings{FinalTrainingStart::kSupernet, 1, 0.01, 0};
  FakeBoard board;
  FakeSupernet supernet;
  bool trained = false;
  supernet.on_train_final = [&trained] { trained = true; };
  // After the final training, the board runs everything ten times slower than predicted.
  board.slowdown = [&trained](const std::vector<uint8_t>&) { return trained ? 10.0 : 0.0; };
  const PipelineResult r = run_search(job, supernet, board, {});
  ASSERT_TRUE(r.outcome.best.has_value());
  EXPECT_EQ(supernet.final_trainings, 1);
  EXPECT_FALSE(r.final_model.has_value());
  const CandidateRecord& best = r.outcome.records.at(*r.outcome.best);
  EXPECT_EQ(read_file(r.output_dir + "/best/model.tnm"),
            read_file(r.output_dir + "/state/" + best.measured->model_file));
  const nlohmann::json summary = config::read_json_file(r.output_dir + "/best/summary.json");
  EXPECT_FALSE(summary.contains("final_training"));
  EXPECT_TRUE(summary.at("measured").at("within_limits").get<bool>());
}

TEST(ParetoFront, KeepsNonDominatedVerifiedOnly) {
  std::map<std::string, CandidateRecord> records;
  auto add = [&](const std::string& key, double acc, double ms, int64_t sram, bool ok) {
    CandidateRecord r;
    r.key = key;
    r.accuracy = acc;
    BoardRecord m;
    m.latency_ms = ms;
    m.planned_arena_bytes = sram;
    m.arena_bytes = sram;
    m.within_limits = ok;
    r.measured = m;
    records[key] = r;
  };
  add("a", 0.9, 10, 100, true);
  add("b", 0.8, 5, 100, true);
  add("c", 0.7, 20, 200, true);  // dominated by a
  add("d", 0.95, 1, 10, false);  // would dominate all, but ran over a limit
  add("e", 0.6, 5, 50, true);
  EXPECT_EQ(pareto_front(records), (std::vector<std::string>{"a", "b", "e"}));
}

}  // namespace
}  // namespace tinynas::nas
