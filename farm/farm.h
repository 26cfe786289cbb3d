// The farm proper, without the network: boards of several kinds, one job queue per kind, one
// worker thread per board, the measurement store. The HTTP server (farm_server.h) is a thin
// layer over this.
//
// Job life: submit() validates the model with the runtime's validator, stores it, and either
// answers at once from the store (same model hash, board kind, firmware version and runs
// measured before) or queues a job. A worker of that kind takes it (queued -> running), measures,
// and stores the measurement and the job's end in one transaction (running -> done). When the board
// fails (timeout, link lost, garbled reply), the job goes back to the front of its queue for
// another board of the kind (bounded by max_attempts), and the board is hard-reset (QEMU
// restarted); a board that keeps failing is quarantined for a while. A job never leaves
// "running" twice, so it is never answered twice; every state is in SQLite, so a restarted
// farm runs the jobs that were queued or running when it stopped.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "farm/farm_board.h"
#include "farm/farm_config.h"
#include "farm/measurement_store.h"

namespace tinynas::farm {

// Why the farm refuses a submission.
enum class SubmitRefusal {
  kInvalidRequest,    // runs out of range, no model bytes
  kUnknownBoardKind,  // no board of that kind in this farm
  kInvalidModel,      // the runtime's validator rejects the model
  kQueueFull,         // too many jobs waiting
  kShuttingDown,      // the farm is stopping
};

// A submission the farm refuses; the message says what was expected and what was found.
class SubmitError : public std::runtime_error {
 public:
  SubmitError(SubmitRefusal refusal, const std::string& message)
      : std::runtime_error(message), refusal_(refusal) {}
  SubmitRefusal refusal() const { return refusal_; }

 private:
  SubmitRefusal refusal_;
};

enum class BoardState { kStarting, kIdle, kBusy, kRestarting, kQuarantined, kStopped };
const char* board_state_name(BoardState state);

struct BoardStatus {
  std::string name;  // "qemu-mps2-an386/0"
  std::string kind;
  std::string location;
  BoardState state = BoardState::kStarting;
  std::string firmware_version;  // empty until the board has answered HELLO
  int64_t jobs_done = 0;
  int64_t failures = 0;
  int consecutive_failures = 0;
  std::string last_error;
  int pid = -1;                        // emulated boards: QEMU's pid
  std::optional<int64_t> current_job;  // while busy
};
nlohmann::json to_json(const BoardStatus& status);

struct SubmitResult {
  int64_t id = 0;
  bool from_store = false;
  std::string model_sha256;
};

// Makes the board behind one "boards" entry (index counts boards of that entry).
using BoardFactory =
    std::function<std::unique_ptr<FarmBoard>(const FarmConfig&, const BoardEntry&, int index)>;
// QEMU boards for emulated kinds, PortFarmBoard for entries with a port. Throws
// FarmConfigError for unknown kinds and real kinds without a port.
std::unique_ptr<FarmBoard> make_default_board(const FarmConfig& config, const BoardEntry& entry,
                                              int index);

class Farm {
 public:
  // Makes the boards (throws FarmConfigError for a kind it cannot make, before the store is
  // created), opens the store, queues the jobs left unfinished by a previous run, starts one
  // worker per board (boards come up in the background; their state says when they are ready).
  explicit Farm(FarmConfig config, BoardFactory factory = make_default_board);
  ~Farm();
  Farm(const Farm&) = delete;
  Farm& operator=(const Farm&) = delete;

  // Stops the workers: boards in the middle of a job are interrupted and that job returns to
  // "queued" in the store (to run after the next start). Idempotent.
  void stop();

  // Throws SubmitError saying why it refuses the job.
  SubmitResult submit(const std::vector<uint8_t>& model, const std::string& kind, uint32_t runs);

  // The job with its measurement (if done), or nullopt for an unknown id.
  std::optional<nlohmann::json> job_json(int64_t id);
  std::vector<BoardStatus> boards();
  std::map<std::string, std::size_t> queue_lengths();  // by kind, jobs waiting
  std::vector<std::string> kinds() const;
  // Why the farm stopped by itself (its measurement store failed), or nullopt while it runs or
  // after a normal stop().
  std::optional<std::string> failure() const;
  // Blocks until the farm fails (returns why) or is stopped (returns nullopt).
  std::optional<std::string> wait_for_failure();
  MeasurementStore& store() { return *store_; }
  const FarmConfig& config() const { return config_; }

 private:
  struct QueuedJob {
    int64_t id = 0;
    std::string model_sha256;
    std::string kind;
    uint32_t runs = 1;
    std::set<int> failed_boards;  // worker indices this job failed on
    bool measuring = false;       // taken by a board: its key is in measuring_
  };
  struct Worker {
    int index = 0;
    std::unique_ptr<FarmBoard> board;
    BoardStatus status;
    std::thread thread;
  };

  void run_worker(Worker& worker);
  // Brings the board up (start or recover) until it answers or the farm stops; quarantines it
  // after repeated failures. False when the farm is stopping.
  bool bring_up(Worker& worker, bool first_start);
  bool take_job(Worker& worker, QueuedJob& job);  // blocks; false when stopping
  bool eligible(const Worker& worker, const QueuedJob& job) const;
  void run_job(Worker& worker, QueuedJob& job);
  void board_failed(Worker& worker, QueuedJob& job, const std::string& message);
  void set_state(Worker& worker, BoardState state);
  bool stopping() const;
  // The store failed: records why, stops taking jobs and interrupts the boards (stop() joins).
  void fail(const std::string& why);
  // Jobs with one key get one measurement: while one runs, the others wait and are then answered
  // from the store.
  static std::string measuring_key(const QueuedJob& job);
  void finish_measuring(QueuedJob& job);
  void finish_measuring_locked(QueuedJob& job);

  FarmConfig config_;
  std::unique_ptr<MeasurementStore> store_;  // opened once the boards are made
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::optional<std::string> failure_;
  std::multiset<std::string> measuring_;  // measuring_key of every job a board has taken
  std::map<std::string, std::deque<QueuedJob>> queues_;  // by kind
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace tinynas::farm
