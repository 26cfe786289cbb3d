// The fast model upload: the host writes the model straight into the runner's model region
// through a GDB server (QEMU's gdbstub, OpenOCD, st-util) while the core is halted, resumes it,
// and tells the runner over the wire protocol that the model is there (LOAD_PLACED: size and
// CRC-32 only). The runner checks and validates it exactly as after a LOAD_CHUNK upload.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profiler/board_client.h"

namespace tinynas::profiler {

// Throws BoardError when the board has no model region address (firmware that cannot take
// uploads) or the model does not fit, GdbRemoteError when the GDB server fails, and what
// LOAD_PLACED throws when the runner rejects the model.
protocol::LoadEndReply upload_model_over_gdb(BoardClient& client, const BoardInfo& info,
                                             const std::string& gdb_address,
                                             const std::vector<uint8_t>& model);

}  // namespace tinynas::profiler
