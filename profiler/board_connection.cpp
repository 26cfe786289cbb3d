#include "profiler/board_connection.h"

#include "profiler/open_port.h"
#include "profiler/serial_port_transport.h"

namespace tinynas::profiler {

BoardConnection::BoardConnection(const std::string& kind, const BoardConnectionOptions& options)
    : spec_(find_board_spec(kind, options.boards_dir)) {
  if (!options.port) {
    if (!spec_.emulated()) {
      throw BoardSpecError("board " + kind +
                           " is a real board: give its serial port with --port (`tinynas "
                           "boards` lists the ports present)");
    }
    QemuBoardOptions qemu_options;
    qemu_options.firmware_path = options.firmware_path;
    qemu_options.client = options.client;
    qemu_options.gdb_server = options.emulated_gdb_server;
    qemu_ = std::make_unique<QemuBoard>(spec_, qemu_options);
    return;
  }
  gdb_server_ = options.gdb_server;
  baud_ = options.baud.value_or(spec_.baud.value_or(kDefaultBaud));
  client_ = std::make_unique<BoardClient>(open_port(*options.port, baud_), kind, options.client);
  info_ = client_->hello();
  if (info_.board != kind) {
    throw BoardError("board on " + *options.port + " reports kind '" + info_.board +
                     "', expected '" + kind + "'");
  }
  if (options.negotiate_baud && !options.baud && spec_.max_baud && *spec_.max_baud > baud_) {
    client_->set_baud(static_cast<uint32_t>(*spec_.max_baud));
    baud_ = *spec_.max_baud;
  }
}

std::string BoardConnection::gdb_address() const {
  return qemu_ ? qemu_->gdb_address() : gdb_server_;
}

BoardClient& BoardConnection::client() { return qemu_ ? qemu_->client() : *client_; }

const BoardInfo& BoardConnection::info() const { return qemu_ ? qemu_->info() : info_; }

}  // namespace tinynas::profiler
