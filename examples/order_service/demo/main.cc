// cairn-demo: `make demo`. Starts the order service on embedded defaults (a
// temporary data dir, the in-process mock Kafka cluster, SQLite read
// models), runs the shop's scenario over HTTP, prints the report and stops
// the service with SIGTERM. Exit 0 when every check held. With
// --keep-running the service stays up and the demo prints how to reach it.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "examples/order_service/demo/report.h"
#include "examples/order_service/demo/scenario.h"
#include "examples/order_service/demo/service_process.h"
#include "examples/order_service/idempotency.h"

namespace {

using namespace cairn;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Args {
  bool keep_running = false;
  std::string service;  // the cairn-order-service binary
  int port = -1;        // -1: any free port, or 8080 when kept running
};

std::string RandomToken() {
  std::random_device random;
  char token[33];
  std::snprintf(token, sizeof(token), "%08x%08x%08x%08x", random(), random(), random(), random());
  return token;
}

void PrintHowToReach(const std::string& url, const std::string& token, const std::string& data_dir,
                     const std::string& bootstrap, const std::string& alice) {
  std::printf("\nThe order service keeps running at %s (Ctrl-C stops it).\n\n", url.c_str());
  std::printf("  curl -s -X POST %s/orders -H 'Content-Type: application/json' -H 'Idempotency-Key: my-first' \\\n"
              "       -d '{\"customer\":\"zoe\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"pen\",\"quantity\":1,\"unit_price\":350}]}'\n",
              url.c_str());
  std::printf("  curl -s %s/orders/%s\n", url.c_str(), alice.c_str());
  std::printf("  curl -s %s/orders/%s/events\n", url.c_str(), alice.c_str());
  std::printf("  curl -s %s/sagas/order_fulfillment.%s\n", url.c_str(), alice.c_str());
  std::printf("  curl -s %s/customers/alice/orders\n", url.c_str());
  std::printf("  curl -s %s/readyz; curl -s %s/metrics | grep cairn_http\n", url.c_str(), url.c_str());
  std::printf("  curl -s -X POST %s/projections/order_summary/rebuild -H 'Authorization: Bearer %s'\n", url.c_str(),
              token.c_str());
  std::printf("\n  export CAIRN_DATA_DIR=%s\n", data_dir.c_str());
  std::printf("  build/tools/cairn/cairn sagas list\n  build/tools/cairn/cairn projections status\n");
  std::printf("  build/tools/cairn/cairn kafka status\n  build/tools/cairn/cairn read order-%s\n", alice.c_str());
  std::printf("\n  kcat -b %s -C -t cairn.order -e -f '%%k %%h\\n'\n\n", bootstrap.c_str());
  std::fflush(stdout);
}

int Run(const Args& args) {
  char dir_template[] = "/tmp/cairn-demo-XXXXXX";
  if (!mkdtemp(dir_template)) return std::perror("cairn-demo: mkdtemp"), 1;
  const std::string dir = dir_template;
  const std::string data_dir = dir + "/data", ledger = dir + "/payment-ledger.jsonl", log = dir + "/service.log";
  const std::string token = RandomToken();
  const int port = args.port >= 0 ? args.port : (args.keep_running ? 8080 : 0);
  std::printf("Cairn demo: the order service on %s, its log in %s\n\n", data_dir.c_str(), log.c_str());
  auto service = demo::ServiceProcess::Start(
      args.service,
      {{"CAIRN_DATA_DIR", data_dir}, {"CAIRN_HTTP_PORT", std::to_string(port)},
       {"CAIRN_ADMIN_TOKEN_SHA256", order_service::Sha256Hex(token)}, {"CAIRN_GATEWAY_LEDGER", ledger},
       {"CAIRN_GATEWAY_LATENCY_MS", "100"}, {"CAIRN_GATEWAY_DECLINE_ABOVE", "50000"},
       {"CAIRN_CHANNEL_FLAKY_RECIPIENTS", "dora@customers.example"}, {"CAIRN_BREAKER_MIN_CALLS", "3"},
       {"CAIRN_BREAKER_WINDOW", "5"}, {"CAIRN_BREAKER_OPEN_FOR_MS", "1000"}, {"CAIRN_BREAKER_HALF_OPEN_CALLS", "1"},
       {"CAIRN_LOG_LEVEL", "info"}},
      log);
  if (!service.ok()) return std::fprintf(stderr, "cairn-demo: %s\n", service.status().message().c_str()), 1;
  auto bootstrap = (*service)->WaitForLine("kafka bootstrap: ", seconds(30));
  auto url = bootstrap.ok() ? (*service)->WaitForLine("listening on ", seconds(30)) : bootstrap;
  if (!url.ok()) {
    std::fprintf(stderr, "cairn-demo: %s (see %s)\n", url.status().message().c_str(), log.c_str());
    return 1;
  }
  const std::string host_port = url->substr(std::strlen("http://"));
  order_service::HttpClient client(host_port.substr(0, host_port.rfind(':')),
                                   static_cast<uint16_t>(std::stoi(host_port.substr(host_port.rfind(':') + 1))));
  demo::Checks checks;
  demo::Scenario scenario(client, token, checks);
  std::printf("The shop's day, over HTTP at %s\n", url->c_str());
  if (Status ran = scenario.Run(seconds(30)); !ran.ok()) {
    std::fprintf(stderr, "cairn-demo: %s (see %s)\n", ran.message().c_str(), log.c_str());
    return 1;
  }
  demo::PrintReport(scenario, client, {data_dir, ledger, *bootstrap}, checks);
  std::printf("\nChecks\n");
  checks.Print();

  if (args.keep_running) {
    PrintHowToReach(*url, token, data_dir, *bootstrap, scenario.Find("alice").id);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    int signal = 0;
    sigwait(&stop, &signal);
  }
  (*service)->Signal(SIGTERM);
  const std::optional<int> exit_code = (*service)->Wait(seconds(20));
  std::printf("\nThe service stopped on SIGTERM with exit code %s.\n",
              exit_code ? std::to_string(*exit_code).c_str() : "none (still running after 20 s)");
  checks.Expect(exit_code == 0, "the service drains and exits 0 on SIGTERM");
  if (!args.keep_running && checks.all_held()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  if (!checks.all_held()) std::printf("Some checks FAILED; the data dir and log stay in %s\n", dir.c_str());
  return checks.all_held() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  args.service = std::filesystem::path(argv[0]).parent_path() / "cairn-order-service";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--keep-running") {
      args.keep_running = true;
    } else if (arg == "--service" && i + 1 < argc) {
      args.service = argv[++i];
    } else if (arg == "--port" && i + 1 < argc) {
      args.port = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: cairn-demo [--keep-running] [--port N] [--service PATH]\n");
      return 2;
    }
  }
  return Run(args);
}
