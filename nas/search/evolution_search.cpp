#include "nas/search/evolution_search.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "engine/compiler/json_reader.h"
#include "engine/compiler/model_writer.h"
#include "nas/search/space_optimizer.h"

namespace tinynas::nas {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStateFile = "search-state.json";
constexpr const char* kModelsDir = "models";
// After the last generation, at most this many rounds of hardware_top_k measurements look for a
// verified candidate when none has been verified yet.
constexpr int kFinalVerificationRounds = 4;
// A child must differ from the rest of the population during the first half of its tries.
constexpr int kUniqueTriesDivisor = 2;
constexpr int kStateIndent = 1;

const char* const kPhaseCalibration = "latency calibration";
const char* const kPhaseInitial = "initial population";
const char* const kPhaseEvolution = "evolution";
const char* const kPhaseHardware = "hardware";

std::string encoding_key(const space::SearchSpace& space, const space::SubnetConfig& subnet) {
  std::string key;
  for (int v : space::encode_subnet(space, subnet))
    key += (key.empty() ? "" : ",") + std::to_string(v);
  return key;
}

size_t draw_index(size_t n, std::mt19937_64& rng) { return static_cast<size_t>(rng() % n); }

void write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(temporary.string() + ": cannot open for writing");
    out << text;
    if (!out.flush()) throw std::runtime_error(temporary.string() + ": write failed");
  }
  fs::rename(temporary, path);
}

nlohmann::json to_json(const EvolutionSettings& s) {
  return {{"population", s.population},
          {"generations", s.generations},
          {"parent_ratio", s.parent_ratio},
          {"mutation_ratio", s.mutation_ratio},
          {"mutation_probability", s.mutation_probability},
          {"max_tries", s.max_tries},
          {"hardware_every", s.hardware_every},
          {"hardware_top_k", s.hardware_top_k},
          {"calibration_samples", s.calibration_samples},
          {"measure_runs", s.measure_runs}};
}

BoardRecord board_record_from_json(const nlohmann::json& j) {
  BoardRecord m;
  m.board = j.at("board").get<std::string>();
  m.firmware_version = j.at("firmware_version").get<std::string>();
  m.latency_ms = j.at("latency_ms").get<double>();
  m.cycles = j.at("cycles").get<uint64_t>();
  m.arena_bytes = j.at("arena_bytes").get<int64_t>();
  m.planned_arena_bytes = j.at("planned_arena_bytes").get<int64_t>();
  m.scratch_bytes = j.at("scratch_bytes").get<int64_t>();
  m.stack_bytes = j.at("stack_bytes").get<int64_t>();
  m.model_bytes = j.at("model_bytes").get<int64_t>();
  m.output_matches_host = j.at("output_matches_host").get<bool>();
  m.predicted_ms = j.at("predicted_ms").get<double>();
  m.within_limits = j.at("within_limits").get<bool>();
  m.verdict = j.at("verdict").get<std::string>();
  m.model_file = j.at("model_file").get<std::string>();
  m.profile = j.at("profile");
  m.generation = j.at("generation").get<int>();
  return m;
}

// What a board run says about the limits; empty when everything is within them.
std::string limit_violations(const BoardRecord& m, const Constraints& c) {
  std::vector<std::string> problems;
  if (!m.output_matches_host) problems.push_back("output differs from the host engine");
  if (m.arena_bytes > m.planned_arena_bytes) {
    problems.push_back("board used " + std::to_string(m.arena_bytes) + " arena bytes, planned " +
                       std::to_string(m.planned_arena_bytes));
  }
  if (c.peak_sram_bytes && m.peak_sram_bytes() > *c.peak_sram_bytes) {
    problems.push_back("peak SRAM " + std::to_string(m.peak_sram_bytes()) + " B > " +
                       std::to_string(*c.peak_sram_bytes) + " B");
  }
  if (c.flash_bytes && m.model_bytes > *c.flash_bytes) {
    problems.push_back("flash " + std::to_string(m.model_bytes) + " B > " +
                       std::to_string(*c.flash_bytes) + " B");
  }
  if (c.latency_ms && m.latency_ms > *c.latency_ms) {
    std::ostringstream text;
    text << "latency " << m.latency_ms << " ms > " << *c.latency_ms << " ms";
    problems.push_back(text.str());
  }
  std::string out;
  for (const std::string& p : problems) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

int64_t BoardRecord::peak_sram_bytes() const {
  return std::max(arena_bytes, planned_arena_bytes) + scratch_bytes;
}

nlohmann::json GenerationSummary::to_json() const {
  nlohmann::json out = {
      {"generation", generation},       {"generations", generations},
      {"best_accuracy", best_accuracy}, {"population_feasible", population_feasible},
      {"verified", verified},           {"measured", measured},
      {"evaluations", evaluations}};
  out["best_verified_accuracy"] = best_verified ? nlohmann::json(*best_verified) : nullptr;
  out["latency_model_error"] = latency_error ? nlohmann::json(*latency_error) : nullptr;
  return out;
}

namespace {
GenerationSummary summary_from_json(const nlohmann::json& j) {
  GenerationSummary s;
  s.generation = j.at("generation").get<int>();
  s.generations = j.at("generations").get<int>();
  s.best_accuracy = j.at("best_accuracy").get<double>();
  s.population_feasible = j.at("population_feasible").get<int>();
  s.verified = j.at("verified").get<int>();
  s.measured = j.at("measured").get<int>();
  s.evaluations = j.at("evaluations").get<int>();
  if (!j.at("best_verified_accuracy").is_null()) {
    s.best_verified = j.at("best_verified_accuracy").get<double>();
  }
  if (!j.at("latency_model_error").is_null()) {
    s.latency_error = j.at("latency_model_error").get<double>();
  }
  return s;
}
}  // namespace

nlohmann::json to_json(const BoardRecord& m) {
  return {{"board", m.board},
          {"firmware_version", m.firmware_version},
          {"latency_ms", m.latency_ms},
          {"cycles", m.cycles},
          {"arena_bytes", m.arena_bytes},
          {"planned_arena_bytes", m.planned_arena_bytes},
          {"scratch_bytes", m.scratch_bytes},
          {"stack_bytes", m.stack_bytes},
          {"model_bytes", m.model_bytes},
          {"peak_sram_bytes", m.peak_sram_bytes()},
          {"output_matches_host", m.output_matches_host},
          {"predicted_ms", m.predicted_ms},
          {"within_limits", m.within_limits},
          {"verdict", m.verdict},
          {"model_file", m.model_file},
          {"profile", m.profile},
          {"generation", m.generation}};
}

nlohmann::json to_json(const CandidateRecord& r) {
  nlohmann::json out = {{"key", r.key},
                        {"subnet", space::describe_subnet(r.subnet)},
                        {"genome", to_json(r.genome)},
                        {"cost", to_json(r.cost)},
                        {"accuracy", r.accuracy},
                        {"predicted_ms", r.predicted_ms},
                        {"first_generation", r.first_generation},
                        {"verified", r.verified()}};
  out["measured"] = r.measured ? to_json(*r.measured) : nlohmann::json(nullptr);
  return out;
}

CandidateRecord candidate_from_json(const nlohmann::json& j) {
  CandidateRecord r;
  r.key = j.at("key").get<std::string>();
  r.genome = genome_from_json(j.at("genome"));
  r.subnet = express(r.genome);
  r.cost = subnet_cost_from_json(j.at("cost"));
  r.accuracy = j.at("accuracy").get<double>();
  r.predicted_ms = j.at("predicted_ms").get<double>();
  r.first_generation = j.at("first_generation").get<int>();
  if (!j.at("measured").is_null()) r.measured = board_record_from_json(j.at("measured"));
  return r;
}

std::vector<std::string> pareto_front(const std::map<std::string, CandidateRecord>& records) {
  std::vector<const CandidateRecord*> verified;
  for (const auto& [key, r] : records) {
    if (r.verified()) verified.push_back(&r);
  }
  auto dominates = [](const CandidateRecord& a, const CandidateRecord& b) {
    const double la = a.measured->latency_ms, lb = b.measured->latency_ms;
    const int64_t sa = a.measured->peak_sram_bytes(), sb = b.measured->peak_sram_bytes();
    const bool no_worse = a.accuracy >= b.accuracy && la <= lb && sa <= sb;
    const bool better = a.accuracy > b.accuracy || la < lb || sa < sb;
    return no_worse && better;
  };
  std::vector<const CandidateRecord*> front;
  for (const CandidateRecord* c : verified) {
    bool dominated = false;
    for (const CandidateRecord* other : verified) dominated = dominated || dominates(*other, *c);
    if (!dominated) front.push_back(c);
  }
  std::sort(front.begin(), front.end(), [](const CandidateRecord* a, const CandidateRecord* b) {
    return a->accuracy != b->accuracy ? a->accuracy > b->accuracy : a->key < b->key;
  });
  std::vector<std::string> keys;
  for (const CandidateRecord* c : front) keys.push_back(c->key);
  return keys;
}

EvolutionSearch::EvolutionSearch(space::SearchSpace space, Constraints constraints,
                                 EvolutionSettings settings, uint64_t seed,
                                 AccuracyEvaluator& accuracy, SubnetCompiler& compiler,
                                 BoardMeasurer& board, const profiler::BoardSpec& board_spec,
                                 EvolutionOptions options, SearchObserver observer)
    : space_(std::move(space)),
      constraints_(constraints),
      settings_(settings),
      seed_(seed),
      accuracy_(accuracy),
      compiler_(compiler),
      board_(board),
      board_spec_(board_spec),
      options_(std::move(options)),
      observer_(std::move(observer)),
      rng_(seed),
      latency_(board_spec.kind, board_spec.clock_hz) {}

void EvolutionSearch::report_progress(const std::string& phase, int64_t done, int64_t total) const {
  if (observer_.progress) observer_.progress(phase, done, total);
}

void EvolutionSearch::say(const std::string& text) const {
  if (observer_.message) observer_.message(text);
}

const std::vector<latency::OpFeatures>& EvolutionSearch::features(const CandidateRecord& record) {
  auto it = features_.find(record.key);
  if (it == features_.end()) {
    const std::vector<uint8_t> bytes = compile_random_weights(
        space_, record.subnet, static_cast<uint32_t>(seed_), record.cost.schedule);
    it = features_
             .emplace(record.key, model_op_features(bytes, space::describe_subnet(record.subnet)))
             .first;
  }
  return it->second;
}

bool EvolutionSearch::predicted_feasible(const CandidateRecord& r) const {
  if (!fits_memory(r.cost, constraints_)) return false;
  if (r.measured) return r.measured->within_limits;
  if (constraints_.latency_ms && r.predicted_ms > *constraints_.latency_ms) return false;
  return true;
}

void EvolutionSearch::update_predictions() {
  if (!latency_.ready()) return;
  for (auto& [key, record] : records_) record.predicted_ms = latency_.predict_ms(features(record));
}

// The record of the genome's subnet when it is (predicted) feasible, else nullptr. Accuracy is
// evaluated once per architecture, and only for feasible ones.
CandidateRecord* EvolutionSearch::consider(const Genome& genome, int generation) {
  const space::SubnetConfig subnet = express(genome);
  const std::string key = encoding_key(space_, subnet);
  auto it = records_.find(key);
  if (it != records_.end()) return predicted_feasible(it->second) ? &it->second : nullptr;
  auto cost = costs_.find(key);
  if (cost == costs_.end()) {
    cost = costs_.emplace(key, subnet_cost(space_, subnet, constraints_)).first;
  }
  if (!fits_memory(cost->second, constraints_)) return nullptr;
  CandidateRecord record;
  record.key = key;
  record.genome = genome;
  record.subnet = subnet;
  record.cost = cost->second;
  record.first_generation = generation;
  if (latency_.ready()) record.predicted_ms = latency_.predict_ms(features(record));
  if (!predicted_feasible(record)) return nullptr;
  record.accuracy = accuracy_.accuracy(subnet);
  return &records_.emplace(key, std::move(record)).first->second;
}

void EvolutionSearch::calibrate() {
  const int count = settings_.calibration_samples;
  say("latency: measuring " + std::to_string(count) + " random subnets on " + board_.description() +
      " to fit the first latency model");
  std::mt19937_64 rng(seed_ ^ 0xC0FFEEull);
  const bool may_fuse =
      constraints_.schedule == ScheduleChoice::kJoint && constraints_.peak_sram_bytes.has_value();
  int measured = 0;
  int64_t tries = 0;
  const int64_t max_tries = int64_t{settings_.max_tries} * count;
  while (measured < count) {
    if (++tries > max_tries) {
      throw std::runtime_error("latency calibration: no subnet fitting the memory limits in " +
                               std::to_string(max_tries) + " draws");
    }
    const space::SubnetConfig subnet = space::sample_subnet(space_, rng);
    const SubnetCost cost = subnet_cost(space_, subnet, constraints_);
    if (!fits_memory(cost, constraints_)) continue;
    // Under a joint schedule every other calibration model runs all its blocks fused, so the
    // fused kernel's cost law is known before a candidate needs it.
    const bool fused_sample = may_fuse && measured % 2 == 1;
    const std::vector<uint8_t> bytes =
        compile_random_weights(space_, subnet, static_cast<uint32_t>(seed_ + measured),
                               fused_sample ? compiler::Schedule::kFused : cost.schedule);
    const std::string name = "calibration " + space::describe_subnet(subnet);
    latency_.add(name, bytes, board_.measure(bytes, name), -1.0, 0);
    report_progress(kPhaseCalibration, ++measured, count);
  }
  board_.idle();  // the accuracy evaluations that follow need both cores
  latency_.refit();
}

void EvolutionSearch::initial_population() {
  std::set<std::string> keys;
  int64_t tries = 0;
  const int64_t max_tries = int64_t{settings_.max_tries} * settings_.population;
  while (static_cast<int>(population_.size()) < settings_.population) {
    if (++tries > max_tries) {
      throw std::runtime_error("initial population: only " + std::to_string(population_.size()) +
                               " of " + std::to_string(settings_.population) +
                               " feasible subnets in " + std::to_string(max_tries) +
                               " draws; relax the constraints or raise evolution.max_tries");
    }
    const Genome genome = random_genome(space_, rng_);
    const std::string key = encoding_key(space_, express(genome));
    if (keys.count(key) && tries < max_tries / kUniqueTriesDivisor) continue;
    if (consider(genome, 0) == nullptr) continue;
    keys.insert(key);
    population_.push_back(genome);
    report_progress(kPhaseInitial, static_cast<int64_t>(population_.size()), settings_.population);
  }
}

std::vector<std::string> EvolutionSearch::ranked_population() const {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const Genome& g : population_) {
    const std::string key = encoding_key(space_, express(g));
    if (!seen.insert(key).second) continue;
    if (predicted_feasible(records_.at(key))) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end(), [this](const std::string& a, const std::string& b) {
    const double aa = records_.at(a).accuracy, ab = records_.at(b).accuracy;
    return aa != ab ? aa > ab : a < b;
  });
  return keys;
}

void EvolutionSearch::next_generation(int generation) {
  const std::vector<std::string> ranked = ranked_population();
  const size_t wanted_parents =
      static_cast<size_t>(std::max(1L, std::lround(settings_.parent_ratio * settings_.population)));
  std::vector<Genome> parents;
  std::set<std::string> keys;
  for (size_t i = 0; i < ranked.size() && parents.size() < wanted_parents; ++i) {
    parents.push_back(records_.at(ranked[i]).genome);
    keys.insert(ranked[i]);
  }
  if (parents.empty()) {
    throw std::runtime_error("generation " + std::to_string(generation) +
                             ": no member of the population is feasible any more (the refit "
                             "latency model rejects them all)");
  }
  std::vector<Genome> next = parents;
  const int children = settings_.population - static_cast<int>(parents.size());
  const int mutations =
      static_cast<int>(std::lround(settings_.mutation_ratio * static_cast<double>(children)));
  for (int i = 0; i < children; ++i) {
    int tries = 0;
    while (true) {
      if (++tries > settings_.max_tries) {
        throw std::runtime_error("generation " + std::to_string(generation) + ": no feasible " +
                                 (i < mutations ? "mutation" : "crossover") + " child in " +
                                 std::to_string(settings_.max_tries) +
                                 " tries (raise evolution.max_tries or relax the limits)");
      }
      Genome child;
      if (i < mutations) {
        child = mutate(space_, parents[draw_index(parents.size(), rng_)],
                       settings_.mutation_probability, rng_);
      } else {
        const Genome& a = parents[draw_index(parents.size(), rng_)];
        const Genome& b = parents[draw_index(parents.size(), rng_)];
        child = crossover(a, b, rng_);
      }
      const std::string key = encoding_key(space_, express(child));
      if (keys.count(key) && tries < settings_.max_tries / kUniqueTriesDivisor) continue;
      if (consider(child, generation) == nullptr) continue;
      keys.insert(key);
      next.push_back(child);
      break;
    }
    report_progress(kPhaseEvolution, i + 1, children);
  }
  population_ = std::move(next);
}

void EvolutionSearch::measure(CandidateRecord& record, int generation) {
  const std::string name = space::describe_subnet(record.subnet);
  const std::vector<uint8_t> bytes = compiler_.compile(record.subnet, record.cost.schedule);
  const profiler::ProfileResult result = board_.measure(bytes, name);
  const fs::path models = fs::path(options_.state_dir) / kModelsDir;
  fs::create_directories(models);
  std::ostringstream file;
  file << "m" << models_written_++ << ".tnm";
  compiler::write_model_file((models / file.str()).string(), bytes);
  latency_.add(name, bytes, result, record.predicted_ms, generation);
  record.measured = make_board_record(result, constraints_, record.predicted_ms,
                                      std::string(kModelsDir) + "/" + file.str(), generation);
}

BoardRecord make_board_record(const profiler::ProfileResult& result, const Constraints& limits,
                              double predicted_ms, const std::string& model_file, int generation) {
  BoardRecord m;
  m.board = result.board;
  m.firmware_version = result.firmware_version;
  m.latency_ms = result.latency_ms();
  m.cycles = result.cycles;
  m.arena_bytes = result.arena_bytes;
  m.planned_arena_bytes = result.planned_arena_bytes;
  m.scratch_bytes = result.scratch_bytes;
  m.stack_bytes = result.stack_bytes;
  m.model_bytes = result.model_bytes;
  // A farm does not return the output bytes but compares them on its side.
  m.output_matches_host = result.output_matches_host;
  m.predicted_ms = predicted_ms;
  m.model_file = model_file;
  m.profile = profiler::to_json(result);
  m.generation = generation;
  const std::string violations = limit_violations(m, limits);
  m.within_limits = violations.empty();
  m.verdict = violations.empty() ? "within limits" : violations;
  return m;
}

int EvolutionSearch::hardware_round(const std::vector<std::string>& keys, int count,
                                    int generation) {
  std::vector<std::string> chosen;
  for (const std::string& key : keys) {
    const CandidateRecord& r = records_.at(key);
    if (static_cast<int>(chosen.size()) >= count) break;
    if (!r.measured && predicted_feasible(r)) chosen.push_back(key);
  }
  for (size_t i = 0; i < chosen.size(); ++i) {
    measure(records_.at(chosen[i]), generation);
    report_progress(kPhaseHardware, static_cast<int64_t>(i + 1),
                    static_cast<int64_t>(chosen.size()));
  }
  if (!chosen.empty()) {
    board_.idle();
    latency_.refit();
    update_predictions();
  }
  return static_cast<int>(chosen.size());
}

GenerationSummary EvolutionSearch::summarize(int generation) const {
  GenerationSummary s;
  s.generation = generation;
  s.generations = settings_.generations;
  const std::vector<std::string> ranked = ranked_population();
  s.population_feasible = static_cast<int>(ranked.size());
  if (!ranked.empty()) s.best_accuracy = records_.at(ranked.front()).accuracy;
  for (const auto& [key, r] : records_) {
    if (r.measured) ++s.measured;
    if (r.verified()) {
      ++s.verified;
      if (!s.best_verified || r.accuracy > *s.best_verified) s.best_verified = r.accuracy;
    }
  }
  s.evaluations = static_cast<int>(records_.size());
  s.latency_error = latency_.mean_error(generation);
  return s;
}

nlohmann::json EvolutionSearch::fingerprint() const {
  return {{"space", space::search_space_to_json(space_)},
          {"constraints", to_json(constraints_)},
          {"evolution", to_json(settings_)},
          {"seed", seed_},
          {"board", board_spec_.kind}};
}

void EvolutionSearch::save_state(int generation) const {
  std::ostringstream rng;
  rng << rng_;
  nlohmann::json population = nlohmann::json::array();
  for (const Genome& g : population_) population.push_back(to_json(g));
  nlohmann::json records = nlohmann::json::array();
  for (const auto& [key, r] : records_) records.push_back(to_json(r));
  nlohmann::json history = nlohmann::json::array();
  for (const GenerationSummary& h : history_) history.push_back(h.to_json());
  const nlohmann::json state = {{"format", kSearchStateFormat},     {"fingerprint", fingerprint()},
                                {"generation", generation},         {"rng", rng.str()},
                                {"population", population},         {"records", records},
                                {"latency", latency_.to_json()},    {"history", history},
                                {"models_written", models_written_}};
  fs::create_directories(options_.state_dir);
  write_text_atomically(fs::path(options_.state_dir) / kStateFile, state.dump(kStateIndent));
}

int EvolutionSearch::load_state() {
  const std::string path = (fs::path(options_.state_dir) / kStateFile).string();
  const nlohmann::json state = compiler::read_json_file(path);
  if (state.value("format", "") != kSearchStateFormat) {
    throw std::runtime_error(path + ": format: expected \"" + kSearchStateFormat + "\"");
  }
  const nlohmann::json expected = fingerprint();
  const nlohmann::json& found = state.at("fingerprint");
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    if (!found.contains(it.key()) || found.at(it.key()) != it.value()) {
      throw std::runtime_error(
          path + ": written by a different job (" + it.key() + " differs: checkpoint has " +
          (found.contains(it.key()) ? found.at(it.key()).dump() : "none") + ", job has " +
          it.value().dump() + "); use a new output_dir or run without --resume");
    }
  }
  std::istringstream rng(state.at("rng").get<std::string>());
  rng >> rng_;
  population_.clear();
  for (const nlohmann::json& g : state.at("population")) population_.push_back(genome_from_json(g));
  records_.clear();
  for (const nlohmann::json& r : state.at("records")) {
    CandidateRecord record = candidate_from_json(r);
    records_.emplace(record.key, std::move(record));
  }
  latency_.restore(state.at("latency"));
  if (latency_.measurements() > 0) latency_.refit();
  update_predictions();
  history_.clear();
  for (const nlohmann::json& h : state.at("history")) history_.push_back(summary_from_json(h));
  models_written_ = state.at("models_written").get<int>();
  return state.at("generation").get<int>();
}

EvolutionOutcome EvolutionSearch::run() {
  int generation = -1;
  const bool have_state = fs::exists(fs::path(options_.state_dir) / kStateFile);
  if (options_.resume && have_state) {
    generation = load_state();
    say("resumed from generation " + std::to_string(generation) + " of " +
        std::to_string(settings_.generations) + " (" + std::to_string(records_.size()) +
        " architectures evaluated, " + std::to_string(latency_.measurements()) +
        " board measurements)");
  }
  auto finish_generation = [&](int g) {
    if (g % settings_.hardware_every == 0 || g == settings_.generations) {
      hardware_round(ranked_population(), settings_.hardware_top_k, g);
    }
    history_.push_back(summarize(g));
    save_state(g);
    if (observer_.generation) observer_.generation(history_.back());
  };
  if (generation < 0) {
    calibrate();
    initial_population();
    generation = 0;
    finish_generation(0);
  }
  EvolutionOutcome outcome{{}, std::nullopt, {}, {}, latency_, false};
  auto stopped = [&](int g) {
    return options_.stop_after_generation >= 0 && g >= options_.stop_after_generation;
  };
  if (stopped(generation) && generation < settings_.generations) {
    outcome.records = records_;
    outcome.history = history_;
    outcome.latency = latency_;
    return outcome;
  }
  for (int g = generation + 1; g <= settings_.generations; ++g) {
    next_generation(g);
    finish_generation(g);
    if (stopped(g) && g < settings_.generations) {
      outcome.records = records_;
      outcome.history = history_;
      outcome.latency = latency_;
      return outcome;
    }
  }
  // Nothing verified yet: keep measuring the most accurate predicted-feasible candidates.
  bool any_verified = false;
  for (const auto& [key, r] : records_) any_verified = any_verified || r.verified();
  for (int round = 0; round < kFinalVerificationRounds && !any_verified; ++round) {
    std::vector<std::string> keys;
    for (const auto& [key, r] : records_) keys.push_back(key);
    std::sort(keys.begin(), keys.end(), [this](const std::string& a, const std::string& b) {
      const double aa = records_.at(a).accuracy, ab = records_.at(b).accuracy;
      return aa != ab ? aa > ab : a < b;
    });
    if (hardware_round(keys, settings_.hardware_top_k, settings_.generations) == 0) break;
    for (const auto& [key, r] : records_) any_verified = any_verified || r.verified();
    save_state(settings_.generations);
  }
  outcome.records = records_;
  outcome.history = history_;
  outcome.latency = latency_;
  outcome.front = pareto_front(records_);
  for (const auto& [key, r] : records_) {
    if (!r.verified()) continue;
    if (!outcome.best || r.accuracy > records_.at(*outcome.best).accuracy) outcome.best = key;
  }
  outcome.finished = true;
  return outcome;
}

}  // namespace tinynas::nas
