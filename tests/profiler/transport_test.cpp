#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "profiler/open_port.h"
#include "profiler/serial_port_transport.h"
#include "profiler/socket_transport.h"

namespace tinynas::profiler {
namespace {

using std::chrono::milliseconds;

struct SocketPair {
  SocketPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    host = std::make_unique<SocketTransport>(fds[0], "pair:host");
    peer = fds[1];
  }
  ~SocketPair() {
    if (peer >= 0) ::close(peer);
  }
  std::unique_ptr<SocketTransport> host;
  int peer = -1;
};

TEST(SocketTransport, ReadReturnsTimeoutWhenThePeerIsSilent) {
  SocketPair pair;
  uint8_t buffer[16];
  const ReadResult result = pair.host->read(buffer, sizeof(buffer), milliseconds(30));
  EXPECT_TRUE(result.timed_out());
  EXPECT_EQ(result.bytes, 0u);
}

TEST(SocketTransport, ReadReturnsWhatThePeerSent) {
  SocketPair pair;
  const uint8_t sent[] = {1, 2, 3};
  ASSERT_EQ(::write(pair.peer, sent, sizeof(sent)), 3);
  uint8_t buffer[16];
  const ReadResult result = pair.host->read(buffer, sizeof(buffer), milliseconds(1000));
  ASSERT_FALSE(result.timed_out());
  ASSERT_EQ(result.bytes, 3u);
  EXPECT_EQ(buffer[2], 3);
}

TEST(SocketTransport, WriteReachesThePeer) {
  SocketPair pair;
  const uint8_t sent[] = {9, 8, 7, 6};
  pair.host->write(sent, sizeof(sent), milliseconds(1000));
  uint8_t buffer[4] = {};
  ASSERT_EQ(::read(pair.peer, buffer, sizeof(buffer)), 4);
  EXPECT_EQ(buffer[0], 9);
}

TEST(SocketTransport, PeerClosingIsAnErrorNamingTheTransport) {
  SocketPair pair;
  ::close(pair.peer);
  pair.peer = -1;
  uint8_t buffer[4];
  try {
    pair.host->read(buffer, sizeof(buffer), milliseconds(1000));
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("pair:host"), std::string::npos) << e.what();
  }
  // Writing to a dead peer is an exception, not a SIGPIPE that kills the test.
  const uint8_t byte = 1;
  EXPECT_THROW(pair.host->write(&byte, 1, milliseconds(100)), TransportError);
}

TEST(SocketTransport, WriteTimesOutWhenThePeerNeverReads) {
  SocketPair pair;
  std::vector<uint8_t> block(1 << 16, 0x55);
  try {
    for (int i = 0; i < 1000; ++i) pair.host->write(block.data(), block.size(), milliseconds(50));
    FAIL() << "the socket buffer never filled";
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("write timed out"), std::string::npos) << e.what();
  }
}

TEST(SocketTransport, ClosedTransportRefusesIo) {
  SocketPair pair;
  pair.host->close();
  pair.host->close();  // idempotent
  uint8_t buffer[1];
  EXPECT_THROW(pair.host->read(buffer, 1, milliseconds(10)), TransportError);
}

TEST(ConnectUnixSocket, MissingSocketFailsAfterTheTimeoutNamingThePath) {
  try {
    connect_unix_socket("/nonexistent-dir/board.sock", milliseconds(50));
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("unix:/nonexistent-dir/board.sock"), std::string::npos)
        << e.what();
  }
}

TEST(ConnectTcp, ReachesALoopbackListener) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  auto transport = open_port("tcp:127.0.0.1:" + std::to_string(port), 0, milliseconds(2000));
  EXPECT_EQ(transport->description(), "tcp:127.0.0.1:" + std::to_string(port));
  const int peer = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(peer, 0);
  const uint8_t byte = 0x5A;
  transport->write(&byte, 1, milliseconds(1000));
  uint8_t received = 0;
  ASSERT_EQ(::read(peer, &received, 1), 1);
  EXPECT_EQ(received, 0x5A);
  ::close(peer);
  ::close(listener);
}

TEST(OpenPort, RejectsMalformedTcpPorts) {
  EXPECT_THROW(open_port("tcp:localhost", 0), TransportError);
  EXPECT_THROW(open_port("tcp:localhost:99999", 0), TransportError);
  EXPECT_THROW(open_port("tcp:localhost:abc", 0), TransportError);
}

TEST(OpenPort, MissingSerialDeviceIsAnErrorNamingIt) {
  try {
    open_port("/dev/tinynas-no-such-port", kDefaultBaud);
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/tinynas-no-such-port"), std::string::npos)
        << e.what();
  }
}

TEST(ListSerialPorts, EnumeratesWithoutError) { EXPECT_NO_THROW(list_serial_ports()); }

}  // namespace
}  // namespace tinynas::profiler
