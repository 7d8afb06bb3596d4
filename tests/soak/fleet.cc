#include "tests/soak/fleet.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "tests/testing/eventually.h"

namespace cairn::soak {
namespace {

// The last lines of a process's log, for a report.
std::string Tail(const std::string& text) {
  return text.size() > 2000 ? "..." + text.substr(text.size() - 2000) : text;
}

}  // namespace

uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

Fleet::Fleet(FleetOptions options) : options_(std::move(options)), port_(FreePort()) {}

Status Fleet::Start() {
  CAIRN_RETURN_IF_ERROR(StartService());
  StartProjectors();
  StartAppender();
  return OkStatus();
}

Status Fleet::StartService() {
  // The provider's simulator fails a few calls and declines large charges,
  // so that sagas retry and compensate; its ledger outlives the process.
  service_ = std::make_unique<testing::Child>(
      ORDER_SERVICE_PATH, std::vector<std::string>{},
      std::vector<std::string>{"CAIRN_DATA_DIR=" + service_dir(), "CAIRN_HTTP_PORT=" + std::to_string(port_),
                               "CAIRN_KAFKA_BROKERS=" + options_.bootstrap, "CAIRN_GATEWAY_LEDGER=" + ledger(),
                               "CAIRN_GATEWAY_DECLINE_ABOVE=50000", "CAIRN_GATEWAY_FAIL_PERCENT=2",
                               "CAIRN_GATEWAY_LATENCY_MS=5", "CAIRN_CHANNEL_FAIL_PERCENT=2", "CAIRN_LOG_LEVEL=warn"});
  const bool listening = testing::Eventually(
      [&] { return service_->Stdout().find("listening on") != std::string::npos || !service_->Running(); },
      std::chrono::seconds(60));
  if (!listening || !service_->Running()) {
    return UnavailableError("the order service did not come back: " + Tail(service_->Stderr()));
  }
  return OkStatus();
}

void Fleet::StartProjectors() {
  // A short session lets a restarted member take its partitions over soon.
  projectors_ = std::make_unique<testing::Child>(
      CAIRN_CLI_PATH, std::vector<std::string>{"--data-dir", projectors_dir(), "projections", "run", "--from-kafka"},
      std::vector<std::string>{"CAIRN_KAFKA_BROKERS=" + options_.bootstrap, "CAIRN_KAFKA_SESSION_TIMEOUT_MS=6000",
                               "CAIRN_KAFKA_HEARTBEAT_INTERVAL_MS=1000", "CAIRN_LOG_LEVEL=warn"});
}

void Fleet::StartAppender() {
  appender_ = std::make_unique<testing::Child>(
      CRASH_APPENDER_PATH,
      std::vector<std::string>{appender_dir(), std::to_string(options_.seed * 1000 + ++appender_runs_), "256",
                               std::to_string(options_.appends_per_second)});
}

Status Fleet::KillService() {
  service_->Stop(SIGKILL);
  KeepLog("order-service", *service_);
  return StartService();
}

void Fleet::KillProjectors() {
  projectors_->Stop(SIGKILL);
  KeepLog("projectors", *projectors_);
  StartProjectors();
}

void Fleet::KeepLog(const std::string& name, const testing::Child& child) {
  std::filesystem::create_directories(options_.root + "/logs");
  std::ofstream(options_.root + "/logs/" + name + ".log", std::ios::app) << child.Stderr() << "--- killed\n";
}

void Fleet::KillAppender() {
  StopAppender();
  StartAppender();
}

void Fleet::StopAppender() {
  if (!appender_) return;
  appender_->Stop(SIGKILL);
  for (testing::Acknowledged& ack : testing::ParseAcknowledged(appender_->Stdout())) appended_.push_back(std::move(ack));
  appender_.reset();
}

int Fleet::StopService() {
  const int code = service_->Stop(SIGTERM);
  KeepLog("order-service", *service_);
  return code;
}

int Fleet::StopProjectors() {
  const int code = projectors_->Stop(SIGTERM);
  KeepLog("projectors", *projectors_);
  return code;
}

std::string Fleet::Ended() {
  std::string ended;
  auto check = [&](const char* name, const std::unique_ptr<testing::Child>& child) {
    if (!child || child->Running()) return;
    ended += std::string(ended.empty() ? "" : "; ") + name;
    if (child->end_signal() != 0) ended += " (signal " + std::to_string(child->end_signal()) + ")";
    ended += ": " + Tail(child->Stderr());
  };
  check("order service", service_);
  check("projectors", projectors_);
  check("appender", appender_);
  return ended;
}

}  // namespace cairn::soak
