// What the scheme-reader fuzzer does with one input, shared by the libFuzzer entry point and the
// corpus regression test: parse the bytes as JSON, read them as a tinynas-scheme/1 file, write
// the scheme back and read it again (it must come back equal), resolve it against
// fuzz_training_graph(), plan its training memory and write its training model. Every refusal must
// be the reader's own error (SchemeError, or std::invalid_argument from the planner); anything else
// escapes and is a finding, as is a round trip that changes the scheme (abort).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tinynas::fuzz {

struct SchemeFuzzOutcome {
  bool json = false;      // the bytes are JSON
  bool parsed = false;    // ... a valid tinynas-scheme/1 document
  bool resolved = false;  // ... whose layers are layers of the fuzz network
  bool planned = false;   // ... and whose training graph was planned
  bool compiled = false;  // ... and written as a training model the runtime validated
  std::string error;      // the first refusal's message
};

SchemeFuzzOutcome check_scheme_input(const uint8_t* data, size_t size);

}  // namespace tinynas::fuzz
