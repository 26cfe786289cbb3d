// A scripted FarmBoard for the farm's queue/retry/quarantine tests: measures instantly (or when
// the test opens the gate), answers with figures derived from the model, and fails when the
// test's fault function throws.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/compiler/model_file.h"
#include "engine/runtime/op_kind_name.h"
#include "farm/farm.h"
#include "text/sha256.h"

namespace tinynas::farm::testing {

inline constexpr char kFakeFirmware[] = "fake-runner 1.0";
inline constexpr uint32_t kFakeCyclesPerOp = 1000;
inline constexpr uint32_t kFakeOverheadCycles = 77;

// Cycles the fake board reports for op `i` of a model of `model_bytes` bytes: distinct per
// model so a test can tell answers apart.
inline uint32_t fake_op_cycles(uint32_t model_bytes, std::size_t i) {
  return kFakeCyclesPerOp + model_bytes + static_cast<uint32_t>(i);
}

struct FakeFarmControl {
  std::mutex mutex;
  std::condition_variable changed;
  bool hold = false;  // measure() waits while true (until interrupted)
  // Called at the start of every measure(); throw to make the board fail.
  std::function<void(int board, const std::string& sha)> fault;
  // Called by start(); throw to keep the board down.
  std::function<void(int board)> start_fault;
  std::map<std::string, int> measured;  // model sha -> measurements that succeeded
  std::vector<std::string> started;     // model sha of every measure() call, in order
  std::atomic<int> measure_calls{0};
  std::atomic<int> recover_calls{0};
  std::atomic<int> boards_made{0};

  void set_hold(bool value) {
    {
      std::lock_guard lock(mutex);
      hold = value;
    }
    changed.notify_all();
  }
};

class FakeFarmBoard : public FarmBoard {
 public:
  FakeFarmBoard(std::shared_ptr<FakeFarmControl> control, int index)
      : control_(std::move(control)), index_(index) {
    info_.board = "fake";
    info_.firmware_version = kFakeFirmware;
    info_.core = "cortex-m4";
    info_.clock_hz = 25000000;
  }

  void start() override {
    if (control_->start_fault) control_->start_fault(index_);
  }
  const profiler::BoardInfo& info() const override { return info_; }

  profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                  const profiler::ProfileOptions& options) override {
    const std::string sha = text::sha256_hex(model);
    {
      std::unique_lock lock(control_->mutex);
      control_->started.push_back(sha);
      ++control_->measure_calls;
      control_->changed.wait(lock, [&] { return !control_->hold || interrupted_; });
      if (interrupted_)
        throw profiler::BoardLinkError("board fake/" + std::to_string(index_) + ": interrupted");
    }
    if (control_->fault) control_->fault(index_, sha);
    const compiler::LoadedModel loaded(model, "fake board upload");
    profiler::ProfileResult result;
    result.board = info_.board;
    result.firmware_version = info_.firmware_version;
    result.core = info_.core;
    result.clock_hz = info_.clock_hz;
    result.kernel_path = "dsp";
    result.timer = "systick";
    result.port = "fake:" + std::to_string(index_);
    result.model_bytes = static_cast<uint32_t>(model.size());
    result.input = "zeros";
    result.runs = options.runs;
    result.op_count = loaded.view().op_count();
    result.cycles = kFakeOverheadCycles;
    for (uint16_t i = 0; i < loaded.view().op_count(); ++i) {
      result.per_op_cycles.push_back(fake_op_cycles(result.model_bytes, i));
      result.op_kinds.push_back(runtime::op_kind_name(loaded.view().op(i).kind));
      result.cycles += result.per_op_cycles.back();
    }
    result.total_cycles = result.cycles * options.runs;
    result.min_cycles = result.max_cycles = static_cast<uint32_t>(result.cycles);
    result.arena_bytes = result.planned_arena_bytes = loaded.view().arena_size();
    result.stack_bytes = 1024;
    result.host_compared = true;
    result.output_matches_host = true;
    {
      std::lock_guard lock(control_->mutex);
      ++control_->measured[sha];
    }
    return result;
  }

  void recover() override {
    ++control_->recover_calls;
    std::lock_guard lock(control_->mutex);
    interrupted_ = false;
  }
  void interrupt() override {
    {
      std::lock_guard lock(control_->mutex);
      interrupted_ = true;
    }
    control_->changed.notify_all();
  }
  std::string location() const override { return "fake:" + std::to_string(index_); }

 private:
  std::shared_ptr<FakeFarmControl> control_;
  int index_;
  profiler::BoardInfo info_;
  bool interrupted_ = false;  // guarded by control_->mutex
};

inline BoardFactory fake_board_factory(std::shared_ptr<FakeFarmControl> control) {
  return [control](const FarmConfig&, const BoardEntry&, int) {
    return std::make_unique<FakeFarmBoard>(control, control->boards_made++);
  };
}

}  // namespace tinynas::farm::testing
