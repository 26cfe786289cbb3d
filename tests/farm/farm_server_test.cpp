// The HTTP API on loopback with fake boards: many concurrent clients, the status codes and
// messages of bad requests, and the bearer token.
#include "farm/farm_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "farm/farm_api.h"
#include "farm/farm_client.h"
#include "tests/farm/fake_farm_board.h"
#include "tests/farm/farm_test_models.h"
#include "tests/farm/farm_test_support.h"
#include "tests/farm/store_damage.h"
#include "text/sha256.h"

namespace tinynas::farm {
namespace {

using testing::fake_board_factory;
using testing::FakeFarmControl;
using testing::test_config;
using testing::tiny_model;
using testing::wait_until;

constexpr int kOk = 200;
constexpr int kBadRequest = 400;
constexpr int kUnauthorized = 401;
constexpr int kNotFound = 404;
constexpr int kMethodNotAllowed = 405;
constexpr int kPayloadTooLarge = 413;
constexpr int kUnprocessable = 422;

struct RunningFarm {
  explicit RunningFarm(const FarmConfig& config,
                       std::shared_ptr<FakeFarmControl> fake = std::make_shared<FakeFarmControl>())
      : control(fake), farm(config, fake_board_factory(fake)), server(farm, config) {}
  std::shared_ptr<FakeFarmControl> control;
  Farm farm;
  FarmServer server;
};

// Sends `bytes` on a fresh connection and returns everything the server answers.
std::string raw_exchange(uint16_t port, const std::string& bytes) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::socket socket(context);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(socket, boost::asio::buffer(bytes));
  std::string reply;
  boost::system::error_code error;
  std::array<char, 4096> buffer{};
  while (!error) {
    const std::size_t n = socket.read_some(boost::asio::buffer(buffer), error);
    reply.append(buffer.data(), n);
  }
  return reply;
}

std::string error_of(const HttpReply& reply) {
  return nlohmann::json::parse(reply.body).at("error").get<std::string>();
}

TEST(FarmServer, ConcurrentClientsGetEveryJobAnsweredOnce) {
  profiler::TempDir dir("farm-server-test");
  RunningFarm running(test_config(dir.path(), 2));
  constexpr int kClients = 8;
  constexpr int kJobsPerClient = 25;
  std::vector<std::thread> clients;
  std::mutex mutex;
  std::vector<std::string> failures;
  std::set<int64_t> ids;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      FarmClient client(running.server.url());
      std::vector<std::pair<int64_t, std::vector<uint8_t>>> mine;
      for (int j = 0; j < kJobsPerClient; ++j) {
        auto model = tiny_model(static_cast<uint32_t>(1 + c * kJobsPerClient + j));
        mine.emplace_back(client.submit(model, testing::kTestKind).at("id").get<int64_t>(), model);
      }
      for (const auto& [id, model] : mine) {
        const nlohmann::json job =
            client.wait_for_job(id, std::chrono::seconds(60), std::chrono::milliseconds(5));
        std::lock_guard lock(mutex);
        ids.insert(id);
        if (job["state"] != "done" || job["model"] != text::sha256_hex(model) ||
            job["measurement"]["result"]["model_bytes"] != model.size()) {
          failures.push_back(job.dump());
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kClients * kJobsPerClient));
  std::lock_guard lock(running.control->mutex);
  EXPECT_EQ(running.control->measured.size(), static_cast<std::size_t>(kClients * kJobsPerClient));
  for (const auto& [sha, count] : running.control->measured) EXPECT_EQ(count, 1);
}

TEST(FarmServer, ServesBoardsMeasurementsAndTheStatusPage) {
  profiler::TempDir dir("farm-server-test");
  RunningFarm running(test_config(dir.path(), 2));
  FarmClient client(running.server.url());
  const auto model = tiny_model(3);
  const int64_t id = client.submit(model, testing::kTestKind, 3).at("id");
  EXPECT_EQ(client.wait_for_job(id, std::chrono::seconds(20))["state"], "done");

  const nlohmann::json boards = client.boards();
  ASSERT_EQ(boards["boards"].size(), 2u);
  EXPECT_EQ(boards["boards"][0]["kind"], testing::kTestKind);
  EXPECT_TRUE(boards["boards"][0].contains("state"));
  EXPECT_TRUE(boards["boards"][0].contains("jobs_done"));
  EXPECT_TRUE(boards["boards"][0].contains("last_error"));

  const nlohmann::json found = client.measurements(text::sha256_hex(model), testing::kTestKind);
  ASSERT_EQ(found["measurements"].size(), 1u);
  EXPECT_EQ(found["measurements"][0]["board_kind"], testing::kTestKind);
  EXPECT_EQ(found["measurements"][0]["firmware_version"], testing::kFakeFirmware);
  EXPECT_EQ(found["measurements"][0]["runs"], 3);

  const HttpReply page = client.request("GET", "/");
  EXPECT_EQ(page.status, kOk);
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  EXPECT_NE(page.body.find("qemu-mps2-an386/1"), std::string::npos);

  const nlohmann::json status = client.status();
  EXPECT_EQ(status["jobs"]["done"], 1);
  EXPECT_EQ(status["measurements"], 1);
}

TEST(FarmServer, RefusesOversizeAndMalformedRequestsWithAMessage) {
  profiler::TempDir dir("farm-server-test");
  FarmConfig config = test_config(dir.path(), 1);
  config.limits.max_body_bytes = 16 * 1024;
  RunningFarm running(config);
  FarmClient client(running.server.url());

  const HttpReply oversize = client.request("POST", "/v1/jobs?board=qemu-mps2-an386",
                                            std::string(config.limits.max_body_bytes + 1, 'x'));
  EXPECT_EQ(oversize.status, kPayloadTooLarge);
  EXPECT_NE(error_of(oversize).find("16384"), std::string::npos) << oversize.body;

  const HttpReply garbage = client.request("POST", "/v1/jobs?board=qemu-mps2-an386", "not a model");
  EXPECT_EQ(garbage.status, kUnprocessable);
  EXPECT_FALSE(error_of(garbage).empty());

  EXPECT_EQ(client.request("POST", "/v1/jobs").status, kBadRequest);
  const HttpReply bad_runs =
      client.request("POST", "/v1/jobs?board=qemu-mps2-an386&runs=lots", std::string(10, 'x'));
  EXPECT_EQ(bad_runs.status, kBadRequest);
  EXPECT_NE(error_of(bad_runs).find("runs"), std::string::npos);
  const HttpReply unknown_kind =
      client.request("POST", "/v1/jobs?board=nope", std::string(10, 'x'));
  EXPECT_EQ(unknown_kind.status, kNotFound);
  EXPECT_NE(error_of(unknown_kind).find("qemu-mps2-an386"), std::string::npos);
  EXPECT_EQ(client.request("GET", "/v1/jobs/abc").status, kBadRequest);
  EXPECT_EQ(client.request("GET", "/v1/jobs/999999").status, kNotFound);
  EXPECT_EQ(client.request("GET", "/v1/measurements?model=xyz").status, kBadRequest);
  EXPECT_EQ(client.request("GET", "/v1/nothing").status, kNotFound);
  EXPECT_EQ(client.request("DELETE", "/v1/boards").status, kMethodNotAllowed);
  EXPECT_EQ(client.request("GET", "/v1/boards?model=%zz").status, kBadRequest);

  // Not HTTP at all: the server answers 400 instead of hanging up silently.
  const std::string reply = raw_exchange(running.server.port(), "HELLO THERE\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("malformed HTTP request"), std::string::npos) << reply;
}

TEST(FarmApi, AnswersEveryRefusedSubmissionWithItsStatus) {
  EXPECT_EQ(http_status_of(SubmitRefusal::kInvalidRequest), kBadRequest);
  EXPECT_EQ(http_status_of(SubmitRefusal::kUnknownBoardKind), kNotFound);
  EXPECT_EQ(http_status_of(SubmitRefusal::kInvalidModel), kUnprocessable);
  EXPECT_EQ(http_status_of(SubmitRefusal::kQueueFull), 503);
  EXPECT_EQ(http_status_of(SubmitRefusal::kShuttingDown), 503);
}

TEST(FarmServer, RequiresTheBearerTokenWhenOneIsSet) {
  profiler::TempDir dir("farm-server-test");
  FarmConfig config = test_config(dir.path(), 1);
  config.token = "s3cret";
  RunningFarm running(config);
  FarmClient wrong(running.server.url(), "x-wrong");
  const HttpReply missing = wrong.request("GET", "/v1/boards");
  EXPECT_EQ(missing.status, kUnauthorized);
  EXPECT_EQ(error_of(missing), "wrong bearer token");
  FarmClient right(running.server.url(), "s3cret");
  EXPECT_EQ(right.request("GET", "/v1/boards").status, kOk);
  EXPECT_EQ(right.request("GET", "/").status, kOk);
}

TEST(FarmServer, RejectsARequestWithoutAnyTokenWith401) {
  profiler::TempDir dir("farm-server-test");
  FarmConfig config = test_config(dir.path(), 1);
  config.token = "s3cret";
  RunningFarm running(config);
  const std::string reply = raw_exchange(
      running.server.port(), "GET /v1/boards HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 401", 0), 0u) << reply;
  EXPECT_NE(reply.find("requires a bearer token"), std::string::npos) << reply;
  EXPECT_NE(reply.find("WWW-Authenticate"), std::string::npos) << reply;
}

TEST(FarmServer, RefusesToListenBeyondLoopbackWithoutAToken) {
  profiler::TempDir dir("farm-server-test");
  FarmConfig config = test_config(dir.path(), 1);
  config.listen = "0.0.0.0";
  auto control = std::make_shared<FakeFarmControl>();
  Farm farm(config, fake_board_factory(control));
  try {
    FarmServer server(farm, config);
    FAIL() << "a server on 0.0.0.0 without a token started";
  } catch (const FarmConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("token"), std::string::npos) << e.what();
  }
}

// A client connection on plain POSIX sockets (close-on-exec, with a receive timeout), for
// requests the farm client would never send.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `until` has arrived, the peer closes, or 10 s pass without data.
  std::string receive(const std::string& until = "") {
    std::string got;
    std::array<char, 4096> buffer{};
    while (until.empty() || got.find(until) == std::string::npos) {
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      got.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return got;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string model_upload_headers(const std::vector<uint8_t>& model, const std::string& extra) {
  return "POST /v1/jobs?board=" + std::string(testing::kTestKind) +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
         std::to_string(model.size()) + "\r\n" + extra + "\r\n";
}

TEST(FarmServer, ChecksTheTokenBeforeReadingTheBody) {
  profiler::TempDir dir("farm-server-test");
  FarmConfig config = test_config(dir.path(), 1);
  config.token = "s3cret";
  config.limits.http_timeout = std::chrono::milliseconds(2000);
  RunningFarm running(config);
  RawConnection connection(running.server.port());
  ASSERT_TRUE(connection.connected());
  // Headers that announce a large body, and no body: the answer cannot wait for it.
  connection.send("POST /v1/jobs?board=" + std::string(testing::kTestKind) +
                  " HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n");
  const std::string reply = connection.receive("\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 401", 0), 0u) << reply;
}

TEST(FarmServer, AnswersExpect100ContinueBeforeTheBody) {
  profiler::TempDir dir("farm-server-test");
  FarmConfig config = test_config(dir.path(), 1);
  config.limits.http_timeout = std::chrono::milliseconds(2000);
  RunningFarm running(config);
  RawConnection connection(running.server.port());
  ASSERT_TRUE(connection.connected());
  const auto model = tiny_model(11);
  connection.send(model_upload_headers(model, "Expect: 100-continue\r\n"));
  const std::string interim = connection.receive("\r\n\r\n");
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << interim;
  connection.send(std::string(model.begin(), model.end()));
  const std::string reply = connection.receive("}");
  EXPECT_NE(reply.find("HTTP/1.1 202"), std::string::npos) << reply;
}

TEST(FarmServer, RefusesConnectionsBeyondTheLimitWith503) {
  profiler::TempDir dir("farm-server-test");
  FarmConfig config = test_config(dir.path(), 1);
  config.limits.max_connections = 2;
  RunningFarm running(config);
  auto first = std::make_unique<RawConnection>(running.server.port());
  RawConnection second(running.server.port());
  ASSERT_TRUE(first->connected() && second.connected());
  const std::string request = "GET /v1/boards HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  RawConnection third(running.server.port());
  third.send(request);
  const std::string refused = third.receive();
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("connections"), std::string::npos) << refused;
  // A closed connection makes room again.
  first.reset();
  EXPECT_TRUE(wait_until([&] {
    RawConnection next(running.server.port());
    next.send(request);
    return next.receive().rfind("HTTP/1.1 200", 0) == 0;
  }));
}

TEST(FarmApi, TheBearerSchemeIsCaseInsensitive) {
  profiler::TempDir dir("farm-server-test");
  auto control = std::make_shared<FakeFarmControl>();
  Farm farm(test_config(dir.path(), 1), fake_board_factory(control));
  for (const char* authorization : {"Bearer s3cret", "bearer s3cret", "BEARER s3cret"}) {
    ApiRequest request{"GET", "/v1/boards", authorization, ""};
    EXPECT_EQ(handle_api_request(farm, request, "s3cret").status, kOk) << authorization;
  }
  for (const char* authorization : {"Bearer s3cre", "Basic s3cret", "s3cret", "Bearer"}) {
    ApiRequest request{"GET", "/v1/boards", authorization, ""};
    EXPECT_EQ(handle_api_request(farm, request, "s3cret").status, kUnauthorized) << authorization;
  }
}

TEST(FarmServer, ServeStopsWithAnErrorWhenTheStoreFails) {
  profiler::TempDir dir("farm-server-test");
  const FarmConfig config = test_config(dir.path(), 1);
  {
    // A job left queued by a previous run: the farm takes it as soon as its board is up.
    MeasurementStore store(config.database);
    const auto model = tiny_model(1);
    store.put_model(text::sha256_hex(model), model);
    store.add_job(text::sha256_hex(model), testing::kTestKind, 1);
  }
  auto control = std::make_shared<FakeFarmControl>();
  // The store breaks while the board comes up (the farm has opened and checked it by then).
  control->start_fault = [&config](int) {
    testing::execute_sql(config.database, "DROP TABLE measurements");
  };
  auto serving = std::async(std::launch::async,
                            [&] { serve_farm_until_signal(config, fake_board_factory(control)); });
  ASSERT_EQ(serving.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  try {
    serving.get();
    FAIL() << "serve returned without an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("measurements"), std::string::npos) << e.what();
  }
}

// Every socket of the daemon (the listening one and the connections) is close-on-exec: QEMU
// children must not hold the farm's port.
TEST(FarmServer, ItsSocketsAreCloseOnExec) {
  profiler::TempDir dir("farm-server-test");
  RunningFarm running(test_config(dir.path(), 1));
  RawConnection connection(running.server.port());
  connection.send("GET /v1/boards HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_NE(connection.receive("}").find("HTTP/1.1 200"), std::string::npos);
  int sockets = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (error || target.rfind("socket:", 0) != 0) continue;
    const int fd = std::stoi(entry.path().filename().string());
    ++sockets;
    EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0) << "socket fd " << fd << " is inherited";
  }
  EXPECT_GE(sockets, 3);  // listening, the server's end and the test's end of the connection
}

}  // namespace
}  // namespace tinynas::farm
