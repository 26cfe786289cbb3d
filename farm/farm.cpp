#include "farm/farm.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/compiler/model_file.h"
#include "farm/emulated_farm_board.h"
#include "farm/port_farm_board.h"
#include "profiler/board_connection.h"
#include "profiler/board_spec.h"
#include "profiler/qemu_board.h"
#include "text/sha256.h"

namespace tinynas::farm {
namespace {

// A board that does not come up is retried after this pause (until it is quarantined).
constexpr std::chrono::milliseconds kRestartPause{500};

// Statuses with which a board says the model itself cannot run there: the job fails, the
// board is fine. Everything else is treated as a board fault and retried elsewhere.
bool is_model_rejection(profiler::protocol::ReplyStatus status) {
  return status == profiler::protocol::ReplyStatus::kModelTooLarge ||
         status == profiler::protocol::ReplyStatus::kInvalidModel ||
         status == profiler::protocol::ReplyStatus::kRunFailed;
}

std::string known_kinds(const std::vector<std::string>& kinds) {
  std::string list;
  for (const auto& kind : kinds) list += (list.empty() ? "" : ", ") + kind;
  return list;
}

}  // namespace

const char* board_state_name(BoardState state) {
  switch (state) {
    case BoardState::kStarting:
      return "starting";
    case BoardState::kIdle:
      return "idle";
    case BoardState::kBusy:
      return "busy";
    case BoardState::kRestarting:
      return "restarting";
    case BoardState::kQuarantined:
      return "quarantined";
    case BoardState::kStopped:
      return "stopped";
  }
  return "unknown";
}

nlohmann::json to_json(const BoardStatus& status) {
  nlohmann::json json;
  json["name"] = status.name;
  json["kind"] = status.kind;
  json["location"] = status.location;
  json["state"] = board_state_name(status.state);
  json["firmware_version"] = status.firmware_version;
  json["jobs_done"] = status.jobs_done;
  json["failures"] = status.failures;
  json["consecutive_failures"] = status.consecutive_failures;
  json["last_error"] = status.last_error;
  json["pid"] = status.pid >= 0 ? nlohmann::json(status.pid) : nlohmann::json(nullptr);
  json["current_job"] =
      status.current_job ? nlohmann::json(*status.current_job) : nlohmann::json(nullptr);
  return json;
}

std::unique_ptr<FarmBoard> make_default_board(const FarmConfig& config, const BoardEntry& entry,
                                              int /*index*/) {
  const std::string boards_dir =
      config.boards_dir.empty() ? profiler::default_boards_dir() : config.boards_dir;
  profiler::BoardSpec spec;
  try {
    spec = profiler::find_board_spec(entry.kind, boards_dir);
  } catch (const profiler::BoardSpecError& e) {
    throw FarmConfigError(config.source_path + ": boards: " + e.what());
  }
  profiler::BoardClientOptions client;
  client.request_timeout = config.limits.request_timeout;
  client.run_timeout = config.limits.run_timeout;
  if (entry.port) {
    profiler::BoardConnectionOptions options;
    options.port = entry.port;
    options.baud = entry.baud;
    options.boards_dir = boards_dir;
    options.client = client;
    std::optional<profiler::FlashOptions> flash;
    if (entry.flash) {
      flash.emplace();
      if (entry.flash_probe) flash->probe = profiler::parse_flash_probe(*entry.flash_probe);
      flash->port = entry.flash_port.value_or("");
      if (!config.firmware_dir.empty()) {
        flash->firmware_path =
            config.firmware_dir + "/" + spec.firmware + "/" + profiler::kFirmwareImageName;
      }
    }
    return std::make_unique<PortFarmBoard>(spec, options, flash);
  }
  if (!spec.emulated()) {
    throw FarmConfigError(config.source_path + ": boards: kind " + entry.kind +
                          " is a real board: give its serial \"port\"");
  }
  profiler::QemuBoardOptions options;
  if (!config.firmware_dir.empty()) {
    options.firmware_path =
        config.firmware_dir + "/" + spec.firmware + "/" + profiler::kFirmwareImageName;
  }
  options.boot_timeout = config.limits.boot_timeout;
  options.client = client;
  options.gdb_server = true;  // the fast model upload (profiler/gdb_model_upload.h)
  return std::make_unique<EmulatedFarmBoard>(spec, options);
}

Farm::Farm(FarmConfig config, BoardFactory factory) : config_(std::move(config)) {
  // The boards first: a farm file naming a kind no board file has is refused before the
  // database is created.
  for (const BoardEntry& entry : config_.boards) {
    const int count = entry.port ? 1 : entry.count;
    for (int i = 0; i < count; ++i) {
      auto worker = std::make_unique<Worker>();
      worker->index = static_cast<int>(workers_.size());
      worker->board = factory(config_, entry, i);
      worker->status.kind = entry.kind;
      worker->status.name = entry.kind + "/" + std::to_string(worker->index);
      worker->status.location = worker->board->location();
      workers_.push_back(std::move(worker));
    }
    queues_[entry.kind];
  }
  store_ = std::make_unique<MeasurementStore>(config_.database);
  for (const JobRecord& job : store_->requeue_unfinished_jobs()) {
    auto queue = queues_.find(job.board_kind);
    if (queue == queues_.end()) {
      spdlog::warn("farm: job {} waits for a {} board, which this farm does not have", job.id,
                   job.board_kind);
      continue;
    }
    queue->second.push_back({job.id, job.model_sha256, job.board_kind, job.runs, {}, false});
  }
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    w->thread = std::thread([this, w] { run_worker(*w); });
  }
}

Farm::~Farm() { stop(); }

void Farm::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& worker : workers_) worker->board->interrupt();
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

bool Farm::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

std::optional<std::string> Farm::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::optional<std::string> Farm::wait_for_failure() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return stopping_; });
  return failure_;
}

std::vector<std::string> Farm::kinds() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> kinds;
  for (const auto& [kind, queue] : queues_) kinds.push_back(kind);
  return kinds;
}

SubmitResult Farm::submit(const std::vector<uint8_t>& model, const std::string& kind,
                          uint32_t runs) {
  const std::vector<std::string> farm_kinds = kinds();
  if (std::find(farm_kinds.begin(), farm_kinds.end(), kind) == farm_kinds.end()) {
    throw SubmitError(SubmitRefusal::kUnknownBoardKind,
                      "board: no board of kind \"" + kind +
                          "\" in this farm (kinds: " + known_kinds(farm_kinds) + ")");
  }
  if (runs == 0 || runs > config_.limits.max_runs) {
    throw SubmitError(SubmitRefusal::kInvalidRequest, "runs: expected 1.." +
                                                          std::to_string(config_.limits.max_runs) +
                                                          ", found " + std::to_string(runs));
  }
  if (model.empty()) {
    throw SubmitError(SubmitRefusal::kInvalidRequest,
                      "body: expected the bytes of a .tnm model, found nothing");
  }
  try {
    const compiler::LoadedModel validated(model, "uploaded model");
  } catch (const std::exception& e) {
    throw SubmitError(SubmitRefusal::kInvalidModel, e.what());
  }
  const std::string sha = text::sha256_hex(model);
  std::set<std::string> firmware_versions;
  std::size_t waiting = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw SubmitError(SubmitRefusal::kShuttingDown, "the farm is shutting down");
    for (const auto& [k, queue] : queues_) waiting += queue.size();
    for (const auto& worker : workers_) {
      if (worker->status.kind == kind && !worker->status.firmware_version.empty()) {
        firmware_versions.insert(worker->status.firmware_version);
      }
    }
  }
  if (waiting >= config_.limits.max_queued_jobs) {
    throw SubmitError(SubmitRefusal::kQueueFull,
                      "queue full: " + std::to_string(waiting) + " jobs waiting (limit " +
                          std::to_string(config_.limits.max_queued_jobs) + ")");
  }
  store_->put_model(sha, model);
  // Boards of a kind normally share one firmware; any version they run answers the job.
  for (const std::string& version : firmware_versions) {
    if (auto found = store_->find_measurement(sha, kind, version, runs)) {
      return {store_->add_job_from_store(sha, kind, runs, found->id), true, sha};
    }
  }
  const int64_t id = store_->add_job(sha, kind, runs);
  {
    std::lock_guard lock(mutex_);
    queues_[kind].push_back({id, sha, kind, runs, {}, false});
  }
  changed_.notify_all();
  return {id, false, sha};
}

std::optional<nlohmann::json> Farm::job_json(int64_t id) {
  const std::optional<JobRecord> job = store_->job(id);
  if (!job) return std::nullopt;
  nlohmann::json json = to_json(*job);
  if (job->measurement_id) {
    if (auto m = store_->measurement(*job->measurement_id)) json["measurement"] = to_json(*m);
  }
  return json;
}

std::vector<BoardStatus> Farm::boards() {
  std::lock_guard lock(mutex_);
  std::vector<BoardStatus> statuses;
  for (const auto& worker : workers_) {
    BoardStatus status = worker->status;
    status.pid = worker->board->pid();
    statuses.push_back(status);
  }
  return statuses;
}

std::map<std::string, std::size_t> Farm::queue_lengths() {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::size_t> lengths;
  for (const auto& [kind, queue] : queues_) lengths[kind] = queue.size();
  return lengths;
}

void Farm::set_state(Worker& worker, BoardState state) {
  {
    std::lock_guard lock(mutex_);
    worker.status.state = state;
    if (state != BoardState::kBusy) worker.status.current_job.reset();
  }
  changed_.notify_all();
}

bool Farm::bring_up(Worker& worker, bool first_start) {
  bool fresh = first_start;
  while (!stopping()) {
    set_state(worker, fresh ? BoardState::kStarting : BoardState::kRestarting);
    try {
      if (fresh) {
        worker.board->start();
      } else {
        worker.board->recover();
      }
      const std::string version = worker.board->info().firmware_version;
      {
        std::lock_guard lock(mutex_);
        worker.status.firmware_version = version;
      }
      set_state(worker, BoardState::kIdle);
      spdlog::info("farm: board {} is up ({}, firmware {})", worker.status.name,
                   worker.board->location(), version);
      return true;
    } catch (const std::exception& e) {
      if (stopping()) return false;
      std::unique_lock lock(mutex_);
      worker.status.last_error = e.what();
      ++worker.status.failures;
      ++worker.status.consecutive_failures;
      spdlog::warn("farm: board {} does not come up: {}", worker.status.name, e.what());
      std::chrono::milliseconds pause = kRestartPause;
      // A board that cannot be flashed will not get better by retrying soon.
      const bool flash_failed = dynamic_cast<const profiler::FlashError*>(&e) != nullptr;
      if (flash_failed ||
          worker.status.consecutive_failures >= config_.limits.quarantine_after_failures) {
        worker.status.state = BoardState::kQuarantined;
        pause = config_.limits.quarantine_time;
        spdlog::warn("farm: board {} quarantined for {} ms after {} consecutive failures",
                     worker.status.name, pause.count(), worker.status.consecutive_failures);
      }
      lock.unlock();
      changed_.notify_all();
      lock.lock();
      changed_.wait_for(lock, pause, [this] { return stopping_; });
      // A start that failed half-way is finished by a full start, not a reset.
      fresh = fresh || worker.status.state == BoardState::kQuarantined;
    }
  }
  return false;
}

bool Farm::eligible(const Worker& worker, const QueuedJob& job) const {
  if (job.failed_boards.count(worker.index) == 0) return true;
  // Back on a board it failed on only when no other usable board of the kind is left.
  for (const auto& other : workers_) {
    if (other->index == worker.index || other->status.kind != job.kind) continue;
    if (other->status.state == BoardState::kQuarantined ||
        other->status.state == BoardState::kStopped) {
      continue;
    }
    if (job.failed_boards.count(other->index) == 0) return false;
  }
  return true;
}

bool Farm::take_job(Worker& worker, QueuedJob& job) {
  std::unique_lock lock(mutex_);
  auto& queue = queues_[worker.status.kind];
  while (true) {
    if (stopping_) return false;
    for (auto it = queue.begin(); it != queue.end(); ++it) {
      // A job for what another board is measuring now waits for that answer.
      if (eligible(worker, *it) && measuring_.count(measuring_key(*it)) == 0) {
        job = std::move(*it);
        queue.erase(it);
        measuring_.insert(measuring_key(job));
        job.measuring = true;
        worker.status.state = BoardState::kBusy;
        worker.status.current_job = job.id;
        return true;
      }
    }
    changed_.wait(lock);
  }
}

void Farm::run_worker(Worker& worker) {
  if (!bring_up(worker, true)) {
    set_state(worker, BoardState::kStopped);
    return;
  }
  QueuedJob job;
  try {
    while (take_job(worker, job)) {
      run_job(worker, job);
      finish_measuring(job);
    }
  } catch (const std::exception& e) {
    // Board faults are handled in run_job: what gets here is the store failing. The job goes
    // back to queued if the store still takes that (else the next start requeues it).
    finish_measuring(job);
    fail(store_->path() + ": " + e.what());
    try {
      store_->release_job(job.id);
    } catch (const std::exception& release_error) {
      spdlog::error("farm: job {} stays running until the next start: {}", job.id,
                    release_error.what());
    }
  }
  set_state(worker, BoardState::kStopped);
}

void Farm::fail(const std::string& why) {
  {
    std::lock_guard lock(mutex_);
    if (!failure_) {
      failure_ = why;
      spdlog::error("farm: stopping: {}", why);
    }
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& worker : workers_) worker->board->interrupt();
}

std::string Farm::measuring_key(const QueuedJob& job) {
  return job.kind + "/" + job.model_sha256 + "/" + std::to_string(job.runs);
}

void Farm::finish_measuring(QueuedJob& job) {
  {
    std::lock_guard lock(mutex_);
    finish_measuring_locked(job);
  }
  changed_.notify_all();
}

void Farm::finish_measuring_locked(QueuedJob& job) {
  if (!job.measuring) return;
  job.measuring = false;
  measuring_.erase(measuring_.find(measuring_key(job)));
}

void Farm::run_job(Worker& worker, QueuedJob& job) {
  if (!store_->start_job(job.id, worker.status.name)) {
    spdlog::warn("farm: job {} is no longer queued; skipped", job.id);
    set_state(worker, BoardState::kIdle);
    return;
  }
  const std::string firmware = worker.board->info().firmware_version;
  if (auto found = store_->find_measurement(job.model_sha256, job.kind, firmware, job.runs)) {
    store_->finish_job_from_store(job.id, found->id);
    set_state(worker, BoardState::kIdle);
    return;
  }
  const std::optional<std::vector<uint8_t>> model = store_->model(job.model_sha256);
  if (!model) {
    store_->fail_job(job.id, "model " + job.model_sha256 + " is missing from the store");
    set_state(worker, BoardState::kIdle);
    return;
  }
  profiler::ProfileOptions options;
  options.runs = job.runs;
  try {
    const profiler::ProfileResult result = worker.board->measure(*model, options);
    // The board's record first: whoever sees the job done then sees the board that ran it idle
    // and counted.
    {
      std::lock_guard lock(mutex_);
      ++worker.status.jobs_done;
      worker.status.consecutive_failures = 0;
    }
    set_state(worker, BoardState::kIdle);
    store_->finish_job(job.id, worker.status.name, profiler::to_json(result));
  } catch (const profiler::BoardRejectedError& e) {
    if (stopping()) {
      store_->release_job(job.id);
      return;
    }
    if (!is_model_rejection(e.status())) {
      board_failed(worker, job, e.what());
      return;
    }
    store_->fail_job(job.id, e.what());
    // The board refused the model but is healthy; a reset leaves it clean for the next job.
    try {
      worker.board->recover();
      set_state(worker, BoardState::kIdle);
    } catch (const std::exception& reset_error) {
      board_failed(worker, job, reset_error.what());
    }
  } catch (const StoreError&) {
    throw;  // the database fails: run_worker stops the farm
  } catch (const std::exception& e) {
    if (stopping()) {
      store_->release_job(job.id);
      return;
    }
    board_failed(worker, job, e.what());
  }
}

void Farm::board_failed(Worker& worker, QueuedJob& job, const std::string& message) {
  spdlog::warn("farm: job {} failed on board {}: {}", job.id, worker.status.name, message);
  const std::optional<JobRecord> record = store_->job(job.id);
  if (record && record->state == JobState::kRunning) {
    if (record->attempts >= config_.limits.max_attempts) {
      store_->fail_job(job.id, "failed on " + std::to_string(record->attempts) +
                                   " board attempt(s); last error: " + message);
    } else {
      store_->requeue_job(job.id, message);
      job.failed_boards.insert(worker.index);
      std::lock_guard lock(mutex_);
      finish_measuring_locked(job);  // another board may take it while this one is reset
      queues_[job.kind].push_front(std::move(job));
    }
  }
  {
    std::lock_guard lock(mutex_);
    worker.status.last_error = message;
    ++worker.status.failures;
    ++worker.status.consecutive_failures;
    if (worker.status.consecutive_failures >= config_.limits.quarantine_after_failures) {
      worker.status.state = BoardState::kQuarantined;
      spdlog::warn("farm: board {} quarantined for {} ms after {} consecutive failures",
                   worker.status.name, config_.limits.quarantine_time.count(),
                   worker.status.consecutive_failures);
    }
  }
  changed_.notify_all();
  {
    std::unique_lock lock(mutex_);
    if (worker.status.state == BoardState::kQuarantined) {
      changed_.wait_for(lock, config_.limits.quarantine_time, [this] { return stopping_; });
    }
  }
  // The board is hard-reset (QEMU restarted) before it takes another job.
  if (!bring_up(worker, false)) set_state(worker, BoardState::kStopped);
}

}  // namespace tinynas::farm
