// tinynas farm serve FARM.json [--port N] [--listen ADDR]
// tinynas farm status URL [--token T] [--json]
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "apps/commands.h"
#include "farm/farm_client.h"
#include "farm/farm_config.h"
#include "farm/farm_server.h"

namespace tinynas::apps {

namespace {

constexpr int kJsonIndent = 2;

struct FarmServeOptions {
  std::string config_path;
  int port = -1;  // -1: the file's
  std::string listen;
};

struct FarmStatusOptions {
  std::string url;
  std::string token;
  bool json = false;
};

void run_farm_serve(const FarmServeOptions& options) {
  farm::FarmConfig config = farm::load_farm_config(options.config_path);
  if (options.port >= 0) config.port = static_cast<uint16_t>(options.port);
  if (!options.listen.empty()) config.listen = options.listen;
  farm::serve_farm_until_signal(config);
}

void run_farm_status(const FarmStatusOptions& options) {
  farm::FarmClient client(options.url, options.token);
  const nlohmann::json status = client.status();
  if (options.json) {
    fmt::print("{}\n", status.dump(kJsonIndent));
    return;
  }
  fmt::print("farm {}\n", options.url);
  fmt::print("  {:<24} {:<20} {:<12} {:>9} {:>8}  {}\n", "board", "kind", "state", "jobs done",
             "failures", "firmware / last error");
  for (const auto& b : status.at("boards")) {
    const std::string error = b.value("last_error", "");
    fmt::print("  {:<24} {:<20} {:<12} {:>9} {:>8}  {}{}\n", b.value("name", ""),
               b.value("kind", ""), b.value("state", ""), b.value("jobs_done", 0),
               b.value("failures", 0), b.value("firmware_version", ""),
               error.empty() ? "" : " / " + error);
  }
  for (const auto& [kind, waiting] : status.at("queues").items()) {
    fmt::print("  queue {}: {} waiting\n", kind, waiting.get<int64_t>());
  }
  const auto& jobs = status.at("jobs");
  fmt::print("  jobs: {} queued, {} running, {} done, {} failed; {} measurements stored\n",
             jobs.value("queued", 0), jobs.value("running", 0), jobs.value("done", 0),
             jobs.value("failed", 0), status.value("measurements", 0));
}

}  // namespace

void register_farm_command(CLI::App& app) {
  CLI::App* farm = app.add_subcommand("farm", "The board-farm daemon and its status");
  farm->require_subcommand(1);

  auto serve = std::make_shared<FarmServeOptions>();
  CLI::App* serve_command = farm->add_subcommand(
      "serve",
      "Own the boards of FARM.json and serve measurement jobs over HTTP until Ctrl-C (jobs "
      "still queued then run after the next start)");
  serve_command->add_option("farm", serve->config_path, "the farm file (configs/farms/*.json)")
      ->required()
      ->check(CLI::ExistingFile);
  serve_command->add_option("--port", serve->port, "override the file's port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  serve_command->add_option("--listen", serve->listen,
                            "override the file's listen address (non-loopback needs a token)");
  serve_command->callback([serve] { run_farm_serve(*serve); });

  auto status = std::make_shared<FarmStatusOptions>();
  CLI::App* status_command =
      farm->add_subcommand("status", "Boards, queues and job counts of a running farm");
  status_command->add_option("url", status->url, "the farm, http://HOST:PORT")->required();
  status_command->add_option("--token", status->token,
                             "bearer token (default: $TINYNAS_FARM_TOKEN)");
  status_command->add_flag("--json", status->json, "machine-readable output");
  status_command->callback([status] { run_farm_status(*status); });
}

}  // namespace tinynas::apps
