// Every subcommand of the `tinynas` executable registers itself through one function here. A
// command file parses its options, calls a library and prints; the work lives in the libraries.
#pragma once

namespace CLI {
class App;
}

namespace tinynas::apps {

void register_compile_command(CLI::App& app);
void register_memory_command(CLI::App& app);
void register_run_command(CLI::App& app);
void register_profile_command(CLI::App& app);
void register_boards_command(CLI::App& app);
void register_farm_command(CLI::App& app);
void register_calibrate_command(CLI::App& app);
void register_predict_command(CLI::App& app);
void register_export_command(CLI::App& app);
void register_benchmark_command(CLI::App& app);
void register_emulate_command(CLI::App& app);
void register_import_command(CLI::App& app);
void register_finetune_command(CLI::App& app);
#ifdef TINYNAS_WITH_SEARCH
void register_search_command(CLI::App& app);
void register_scheme_command(CLI::App& app);
void register_float_finetune_command(CLI::App& app);
#endif
#ifdef TINYNAS_WITH_SUPERNET
void register_train_command(CLI::App& app);
void register_eval_command(CLI::App& app);
#endif

}  // namespace tinynas::apps
