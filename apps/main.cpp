// The `tinynas` command: one executable, one subcommand per capability (see DESIGN.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "apps/commands.h"

namespace {
// Subcommands report failures by throwing; main prints them once, without a stack of noise.
constexpr int kExitFailure = 1;
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tinynas: find, train, quantize and ship CNNs that fit a microcontroller, and prove the fit "
      "on the board."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tinynas " TINYNAS_VERSION);

  using namespace tinynas::apps;
  register_compile_command(app);
  register_memory_command(app);
  register_run_command(app);
  register_profile_command(app);
  register_boards_command(app);
  register_farm_command(app);
  register_calibrate_command(app);
  register_predict_command(app);
  register_export_command(app);
  register_benchmark_command(app);
  register_emulate_command(app);
  register_import_command(app);
  register_finetune_command(app);
#ifdef TINYNAS_WITH_SUPERNET
  register_train_command(app);
  register_eval_command(app);
#endif
#ifdef TINYNAS_WITH_SEARCH
  register_search_command(app);
  register_scheme_command(app);
  register_float_finetune_command(app);
#endif
  // Registration lines of later commands go here, one per command.

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tinynas: error: %s\n", e.what());
    return kExitFailure;
  }
  return 0;
}
