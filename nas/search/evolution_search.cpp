#include "nas/search/evolution_search.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace tinynas::nas {
namespace {

// A child must differ from the rest of the population during the first half of its tries.
constexpr int kUniqueTriesDivisor = 2;

const char* const kPhaseInitial = "initial population";
const char* const kPhaseEvolution = "evolution";

std::string encoding_key(const space::SearchSpace& space, const space::SubnetConfig& subnet) {
  std::string key;
  for (int v : space::encode_subnet(space, subnet))
    key += (key.empty() ? "" : ",") + std::to_string(v);
  return key;
}

size_t draw_index(size_t n, std::mt19937_64& rng) { return static_cast<size_t>(rng() % n); }

}  // namespace

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

EvolutionOutcome EvolutionSearch::run() {
  int generation = -1;
  if (options_.resume && has_saved_state()) {
    generation = load_state();
    say("resumed from generation " + std::to_string(generation) + " of " +
        std::to_string(settings_.generations) + " (" + std::to_string(records_.size()) +
        " architectures evaluated, " + std::to_string(latency_.measurements()) +
        " board measurements)");
  }
  if (generation < 0) {
    calibrate();
    initial_population();
    generation = 0;
    finish_generation(0);
  }
  if (stops_after(generation)) return outcome(false);
  for (int g = generation + 1; g <= settings_.generations; ++g) {
    next_generation(g);
    finish_generation(g);
    if (stops_after(g)) return outcome(false);
  }
  verify_until_one_passes();
  EvolutionOutcome finished = outcome(true);
  finished.front = pareto_front(records_);
  finished.best = best_verified();
  return finished;
}

void EvolutionSearch::finish_generation(int generation) {
  if (generation % settings_.hardware_every == 0 || generation == settings_.generations) {
    hardware_round(ranked_population(), settings_.hardware_top_k, generation);
  }
  history_.push_back(summarize(generation));
  save_state(generation);
  if (observer_.generation) observer_.generation(history_.back());
}

bool EvolutionSearch::stops_after(int generation) const {
  return options_.stop_after_generation >= 0 && generation >= options_.stop_after_generation &&
         generation < settings_.generations;
}

EvolutionOutcome EvolutionSearch::outcome(bool finished) const {
  EvolutionOutcome out{records_, std::nullopt, {}, history_, latency_, finished};
  return out;
}

void EvolutionSearch::report_progress(const std::string& phase, int64_t done, int64_t total) const {
  if (observer_.progress) observer_.progress(phase, done, total);
}

void EvolutionSearch::say(const std::string& text) const {
  if (observer_.message) observer_.message(text);
}

bool EvolutionSearch::predicted_feasible(const CandidateRecord& r) const {
  if (!fits_memory(r.cost, constraints_)) return false;
  if (r.measured) return r.measured->within_limits;
  if (constraints_.latency_ms && r.predicted_ms > *constraints_.latency_ms) return false;
  return true;
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

bool EvolutionSearch::ranks_before(const std::string& a, const std::string& b) const {
  const CandidateRecord& ra = records_.at(a);
  const CandidateRecord& rb = records_.at(b);
  if (settings_.objective == EvolutionObjective::kMacs && ra.cost.macs != rb.cost.macs) {
    return ra.cost.macs > rb.cost.macs;
  }
  return ra.accuracy != rb.accuracy ? ra.accuracy > rb.accuracy : a < b;
}

void EvolutionSearch::sort_by_objective(std::vector<std::string>& keys) const {
  std::sort(keys.begin(), keys.end(),
            [this](const std::string& a, const std::string& b) { return ranks_before(a, b); });
}

std::vector<std::string> EvolutionSearch::ranked_population() const {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const Genome& g : population_) {
    const std::string key = encoding_key(space_, express(g));
    if (!seen.insert(key).second) continue;
    if (predicted_feasible(records_.at(key))) keys.push_back(key);
  }
  sort_by_objective(keys);
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

std::optional<std::string> EvolutionSearch::best_verified() const {
  std::optional<std::string> best;
  for (const auto& [key, r] : records_) {
    if (!r.verified()) continue;
    if (!best || ranks_before(key, *best)) best = key;
  }
  return best;
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
    if (r.verified()) ++s.verified;
  }
  // The accuracy of the candidate that would ship now (the best in the job's objective).
  if (const std::optional<std::string> best = best_verified()) {
    s.best_verified = records_.at(*best).accuracy;
  }
  s.evaluations = static_cast<int>(records_.size());
  s.latency_error = latency_.mean_error(generation);
  return s;
}

}  // namespace tinynas::nas
