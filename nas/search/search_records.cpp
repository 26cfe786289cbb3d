#include "nas/search/search_records.h"

#include <algorithm>
#include <sstream>

namespace tinynas::nas {
namespace {

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

GenerationSummary generation_summary_from_json(const nlohmann::json& j) {
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

}  // namespace tinynas::nas
