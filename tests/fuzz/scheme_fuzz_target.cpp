#include "tests/fuzz/scheme_fuzz_target.h"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/training_model_writer.h"
#include "engine/compiler/training_planner.h"
#include "engine/compiler/update_scheme.h"
#include "tests/fuzz/fuzz_training_net.h"

namespace tinynas::fuzz {
namespace {

bool same_scheme(const compiler::UpdateScheme& a, const compiler::UpdateScheme& b) {
  if (a.layers.size() != b.layers.size()) return false;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const compiler::LayerUpdate& x = a.layers[i];
    const compiler::LayerUpdate& y = b.layers[i];
    if (x.name != y.name || x.bias != y.bias || x.weight_eighths != y.weight_eighths) return false;
  }
  return true;
}

}  // namespace

SchemeFuzzOutcome check_scheme_input(const uint8_t* data, size_t size) {
  static const compiler::Graph graph = fuzz_training_graph();
  static const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanningAndModelFile, "fuzz network");
  SchemeFuzzOutcome outcome;
  const nlohmann::json document = nlohmann::json::parse(data, data + size, nullptr, false);
  if (document.is_discarded()) return outcome;
  outcome.json = true;
  compiler::UpdateScheme scheme;
  try {
    scheme = compiler::parse_update_scheme(document, "fuzz input");
  } catch (const compiler::SchemeError& error) {
    outcome.error = error.what();
    return outcome;
  }
  outcome.parsed = true;
  // What the reader accepted, written and read back, is the same scheme.
  if (!same_scheme(scheme, compiler::parse_update_scheme(
                               nlohmann::json::parse(compiler::scheme_to_json(scheme).dump())))) {
    std::abort();
  }
  try {
    compiler::resolve_scheme(graph, scheme, "fuzz input");
  } catch (const compiler::SchemeError& error) {
    outcome.error = error.what();
    return outcome;
  }
  outcome.resolved = true;
  try {
    compiler::plan_training_memory(validated, scheme);
  } catch (const std::invalid_argument& error) {
    outcome.error = error.what();
    return outcome;
  }
  outcome.planned = true;
  // A planned scheme compiles into a model the runtime accepts (the writer throws
  // std::logic_error otherwise, which escapes: a finding).
  compiler::write_training_model(validated, scheme, 0.01f);
  outcome.compiled = true;
  return outcome;
}

}  // namespace tinynas::fuzz
