#include "firmware/mlperf_tiny/dut.h"

#include "firmware/mlperf_tiny/text_line.h"

namespace tinynas::firmware::mlperf_tiny {

namespace {

// The next space-separated token of `*cursor` (NUL-terminated in place), or nullptr.
char* next_token(char** cursor) {
  char* at = *cursor;
  while (*at == ' ') ++at;
  if (*at == '\0') {
    *cursor = at;
    return nullptr;
  }
  char* token = at;
  while (*at != ' ' && *at != '\0') ++at;
  if (*at == ' ') *at++ = '\0';
  *cursor = at;
  return token;
}

bool equals(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// A decimal count of at most 9 digits (so it fits uint32_t), or false.
bool parse_count(const char* text, uint32_t* value) {
  uint32_t result = 0;
  size_t digits = 0;
  for (; *text != '\0'; ++text, ++digits) {
    if (*text < '0' || *text > '9' || digits == 9) return false;
    result = result * 10 + static_cast<uint32_t>(*text - '0');
  }
  if (digits == 0) return false;
  *value = result;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t length(const char* text) {
  size_t size = 0;
  while (text[size] != '\0') ++size;
  return size;
}

}  // namespace

MlperfDut::MlperfDut(const char* name, const char* firmware, const ThPort& port,
                     const ThModel& model)
    : name_(name), firmware_(firmware), port_(port), model_(model) {}

void MlperfDut::boot() {
  message("timestamp-mode-performance");
  timestamp();
  message("init-done");
  message("ready");
}

void MlperfDut::on_byte(uint8_t byte) {
  switch (reader_.push(byte)) {
    case LineReader::Event::kNone:
      return;
    case LineReader::Event::kCommand: {
      // The reader's buffer is tokenized in place; it is not touched again before the next push.
      char* command = const_cast<char*>(reader_.command());
      execute(command);
      return;
    }
    case LineReader::Event::kOverlong:
      TextLine(port_)
          .text("e-[Command longer than ")
          .decimal(kMaxCommand)
          .text(" characters]")
          .send();
      message("ready");
      return;
  }
}

void MlperfDut::execute(char* command) {
  char* cursor = command;
  const char* verb = next_token(&cursor);
  if (verb == nullptr) {
    // An empty command: what a host sends to flush a half-received one.
  } else if (equals(verb, "name")) {
    TextLine(port_).text("m-name-dut-[").text(name_).text("]").send();
  } else if (equals(verb, "profile")) {
    TextLine(port_).text("m-profile-[").text(firmware_).text("]").send();
    ThModelFacts facts{};
    TextLine(port_)
        .text("m-model-[")
        .text(model_facts(&facts) ? facts.name : "none")
        .text("]")
        .send();
  } else if (equals(verb, "help")) {
    help();
  } else if (equals(verb, "timestamp")) {
    timestamp();
  } else if (equals(verb, "db")) {
    db(cursor);
  } else if (equals(verb, "infer")) {
    infer(cursor);
  } else if (equals(verb, "results")) {
    results();
  } else {
    TextLine(port_).text("e-[Unknown command: ").echo(verb).text("]").send();
  }
  message("ready");
}

bool MlperfDut::model_facts(ThModelFacts* facts) {
  return model_.facts != nullptr && model_.facts(model_.context, facts);
}

void MlperfDut::message(const char* text) { TextLine(port_).text("m-").text(text).send(); }

void MlperfDut::error(const char* text) { TextLine(port_).text("e-[").text(text).text("]").send(); }

void MlperfDut::timestamp() {
  TextLine(port_).text("m-lap-us-").decimal(port_.timestamp_us()).send();
}

void MlperfDut::help() {
  static const char* const kLines[] = {
      "name         : print the name of the device",
      "profile      : print the firmware and model",
      "timestamp    : print a timestamp (m-lap-us-N)",
      "db load N    : expect N input bytes",
      "db HH[HH]*   : load bytes as hex digits until N bytes arrived",
      "db print     : print the loaded bytes as hex",
      "infer N [W]  : W warmup inferences (10), then N timed ones, then results",
      "results      : print the class scores of the last inference",
  };
  // Unlike the benchmark's plain help text, every line is a message, so hosts that read
  // m-/e- lines only see nothing unexpected.
  TextLine(port_).text("m-help-").text(firmware_).send();
  for (const char* line : kLines) TextLine(port_).text("m-help-").text(line).send();
}

void MlperfDut::db(char* rest) {
  char* sub = next_token(&rest);
  if (sub == nullptr) {
    error("Command 'db' requires a subcommand");
  } else if (equals(sub, "load")) {
    db_load(rest);
  } else if (equals(sub, "print")) {
    db_print();
  } else if (next_token(&rest) != nullptr) {
    error("Command 'db' takes one run of hex digits");
  } else {
    db_data(sub);
  }
}

void MlperfDut::db_load(char* rest) {
  const char* count = next_token(&rest);
  if (count == nullptr) {
    error("Command 'db load' requires the # of bytes");
    return;
  }
  uint32_t bytes = 0;
  if (next_token(&rest) != nullptr) {
    error("Command 'db load' takes one number");
    return;
  }
  if (!parse_count(count, &bytes)) {
    TextLine(port_)
        .text("e-[Command 'db load' needs a byte count, not '")
        .echo(count)
        .text("']")
        .send();
    return;
  }
  if (bytes == 0) {
    error("Command 'db load' must be >0 bytes");
    return;
  }
  ThModelFacts facts{};
  if (!model_facts(&facts)) {
    error("No model is loaded: nothing to take input bytes");
    return;
  }
  if (bytes > facts.input_bytes) {
    TextLine(port_)
        .text("e-[Supplied buffer size ")
        .decimal(bytes)
        .text(" exceeds maximum of ")
        .decimal(facts.input_bytes)
        .text("]")
        .send();
    return;
  }
  if (received_ < expected_) {
    // The previous transfer never completed (a host that gave up): say so, then start over.
    TextLine(port_)
        .text("e-[db load while ")
        .decimal(expected_ - received_)
        .text(" of ")
        .decimal(expected_)
        .text(" bytes were still expected: restarted]")
        .send();
  }
  expected_ = bytes;
  received_ = 0;
  TextLine(port_).text("m-[Expecting ").decimal(bytes).text(" bytes]").send();
}

void MlperfDut::db_data(const char* hex) {
  if (received_ >= expected_) {
    error(expected_ == 0 ? "Command 'db' needs 'db load N' first"
                         : "All announced bytes arrived: 'db load N' starts a new transfer");
    return;
  }
  const size_t digits = length(hex);
  if (digits % 2 != 0) {
    error("Insufficient number of hex digits");
    return;
  }
  for (size_t i = 0; i < digits; ++i) {
    if (hex_value(hex[i]) < 0) {
      TextLine(port_).text("e-[Invalid hex digit '").echo(hex + i, 1).text("']").send();
      return;
    }
  }
  ThModelFacts facts{};
  if (!model_facts(&facts) || expected_ > facts.input_bytes) {
    expected_ = 0;
    received_ = 0;
    error("The model changed during the transfer: 'db load N' again");
    return;
  }
  const uint32_t pairs = static_cast<uint32_t>(digits / 2);
  const uint32_t room = expected_ - received_;
  const uint32_t take = pairs < room ? pairs : room;
  for (uint32_t i = 0; i < take; ++i) {
    facts.db[received_ + i] =
        static_cast<uint8_t>(hex_value(hex[2 * i]) * 16 + hex_value(hex[2 * i + 1]));
  }
  received_ += take;
  if (received_ == expected_) message("load-done");
  if (pairs > take) {
    TextLine(port_)
        .text("e-[")
        .decimal(pairs - take)
        .text(" bytes past the announced ")
        .decimal(expected_)
        .text(" ignored]")
        .send();
  }
}

void MlperfDut::db_print() {
  ThModelFacts facts{};
  if (!model_facts(&facts)) {
    error("No model is loaded: no input bytes");
    return;
  }
  const uint32_t count = received_ < facts.input_bytes ? received_ : facts.input_bytes;
  for (uint32_t start = 0; start < count; start += kDbPrintBytesPerLine) {
    TextLine line(port_);
    line.text("m-buffer-");
    for (uint32_t i = start; i < count && i < start + kDbPrintBytesPerLine; ++i) {
      if (i != start) line.text("-");
      line.hex_byte(facts.db[i]);
    }
    line.send();
  }
}

void MlperfDut::infer(char* rest) {
  uint32_t iterations = 1;
  uint32_t warmups = kDefaultWarmups;
  if (const char* n = next_token(&rest)) {
    if (!parse_count(n, &iterations) || iterations == 0) {
      error("Inference iterations must be >0");
      return;
    }
    if (const char* w = next_token(&rest)) {
      if (!parse_count(w, &warmups)) {
        error("Inference warmup must be >=0");
        return;
      }
    }
    if (next_token(&rest) != nullptr) {
      error("Command 'infer' takes at most 2 numbers");
      return;
    }
  }
  ThModelFacts facts{};
  if (!model_facts(&facts)) {
    error("No model is loaded");
    return;
  }
  if (expected_ != facts.input_bytes || received_ != expected_) {
    TextLine(port_)
        .text("e-[The model takes ")
        .decimal(facts.input_bytes)
        .text(" input bytes; 'db' holds ")
        .decimal(received_ < expected_ ? received_ : expected_)
        .text("]")
        .send();
    return;
  }
  has_results_ = false;
  model_.load_tensor(model_.context);
  TextLine(port_).text("m-warmup-start-").decimal(warmups).send();
  for (uint32_t i = 0; i < warmups; ++i) {
    if (const int status = model_.infer(model_.context)) {
      inference_failed(status);
      return;
    }
  }
  message("warmup-done");
  TextLine(port_).text("m-infer-start-").decimal(iterations).send();
  timestamp();
  int status = 0;
  for (uint32_t i = 0; i < iterations && status == 0; ++i) status = model_.infer(model_.context);
  timestamp();
  if (status != 0) {
    inference_failed(status);
    return;
  }
  message("infer-done");
  has_results_ = true;
  results();
}

void MlperfDut::inference_failed(int status) {
  TextLine(port_)
      .text("e-[Inference failed: runtime status ")
      .decimal(static_cast<uint32_t>(status))
      .text("]")
      .send();
}

void MlperfDut::results() {
  ThModelFacts facts{};
  if (!model_facts(&facts) || !has_results_) {
    error("No results: run 'infer' first");
    return;
  }
  TextLine line(port_);
  line.text("m-results-[");
  for (uint32_t i = 0; i < facts.result_count; ++i) {
    if (i != 0) line.text(",");
    line.fixed3(model_.result(model_.context, i));
  }
  line.text("]").send();
}

}  // namespace tinynas::firmware::mlperf_tiny
