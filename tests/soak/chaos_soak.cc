// chaos_soak [--seconds N] [--seed S] [--orders-per-second R] [--keep]:
// `make soak`. For N seconds the order service takes orders over HTTP and
// runs their sagas, the Kafka-fed projectors keep their read models, and an
// appender keeps 256 asynchronous appends in flight on a store of its own,
// while SIGKILLs land on each of them at random and Kafka brokers go down and
// come back. Then it checks that nothing was lost or done twice (see
// end_checks.h) and prints one summary line. Exit 0 when no check failed.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "engine/kafka/mock_cluster.h"
#include "tests/soak/end_checks.h"
#include "tests/soak/fleet.h"
#include "tests/soak/order_load.h"
#include "tests/soak/read_models.h"

namespace cairn::soak {
namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  int seconds = 600;
  unsigned seed = 1;
  int orders_per_second = 100;
  bool keep = false;
};

struct Chaos {
  int service_kills = 0, projector_kills = 0, appender_kills = 0, broker_outages = 0;
  int kills() const { return service_kills + projector_kills + appender_kills; }
};

// The chaos phase: an action every 1.5 to 4.5 s until `end`. A broker that
// went down comes back 2 to 8 s later; one is down at a time.
Status RunChaos(Fleet& fleet, kafka::MockCluster& cluster, std::mt19937& random, Clock::time_point end,
                Chaos& chaos) {
  int down = 0;
  Clock::time_point up_at;
  for (Clock::time_point next = Clock::now(); Clock::now() < end;) {
    next += std::chrono::milliseconds(1500 + random() % 3000);
    while (Clock::now() < std::min(next, end)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (down != 0 && Clock::now() >= up_at) {
        CAIRN_RETURN_IF_ERROR(cluster.SetBrokerUp(down));
        down = 0;
      }
    }
    if (std::string ended = fleet.Ended(); !ended.empty()) return InternalError("ended without a kill: " + ended);
    const unsigned dice = random() % 100;
    if (dice < 30) {
      CAIRN_RETURN_IF_ERROR(fleet.KillService());
      ++chaos.service_kills;
    } else if (dice < 55) {
      fleet.KillProjectors();
      ++chaos.projector_kills;
    } else if (dice < 75) {
      fleet.KillAppender();
      ++chaos.appender_kills;
    } else if (down == 0) {
      down = 1 + static_cast<int>(random() % cluster.brokers());
      CAIRN_RETURN_IF_ERROR(cluster.SetBrokerDown(down));
      up_at = Clock::now() + std::chrono::milliseconds(2000 + random() % 6000);
      ++chaos.broker_outages;
    }
  }
  return down == 0 ? OkStatus() : cluster.SetBrokerUp(down);
}

// The Kafka-fed models converge on the fresh rebuild once they consumed
// everything the publisher sent; the differences left after `timeout`.
std::vector<std::string> AwaitKafkaFed(const std::string& projections, const std::string& fresh,
                                       std::chrono::seconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::vector<std::string> differing = DifferingReadModels(projections, fresh);
  while (!differing.empty() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    differing = DifferingReadModels(projections, fresh);
  }
  return differing;
}

int Run(const Args& args) {
  char root_template[] = "/tmp/cairn-soak-XXXXXX";
  if (!mkdtemp(root_template)) return std::perror("chaos_soak: mkdtemp"), 1;
  const std::string root = root_template;
  // A process that crashes leaves a core in the data dirs' folder for gdb.
  const rlimit core{RLIM_INFINITY, RLIM_INFINITY};
  setrlimit(RLIMIT_CORE, &core);
  if (chdir(root.c_str()) != 0) return std::perror("chaos_soak: chdir"), 1;
  auto cluster = kafka::MockCluster::Start(3);
  if (!cluster.ok()) return std::fprintf(stderr, "chaos_soak: %s\n", cluster.status().ToString().c_str()), 1;
  // The mock keeps 5 MiB per partition and deletes older messages, as
  // retention would. A projector killed again and again waits out a session
  // timeout each time; 128 partitions keep minutes of traffic for it to
  // catch up on (a model that finds a hole fails, see KafkaProjectionRunner).
  for (const char* category : {"order", "charge", "notification", "saga"}) {
    if (Status created = (*cluster)->CreateTopic(std::string("cairn.") + category, 128); !created.ok()) {
      return std::fprintf(stderr, "chaos_soak: %s\n", created.ToString().c_str()), 1;
    }
  }
  std::printf("soak: %d s, seed %u, %d orders/s, in %s, Kafka at %s\n", args.seconds, args.seed,
              args.orders_per_second, root.c_str(), (*cluster)->bootstrap().c_str());
  std::fflush(stdout);

  std::mt19937 random(args.seed);
  Fleet fleet({.root = root, .bootstrap = (*cluster)->bootstrap(), .seed = args.seed});
  Mismatches mismatches;
  Chaos chaos;
  if (Status started = fleet.Start(); !started.ok()) {
    return std::fprintf(stderr, "chaos_soak: %s (kept in %s)\n", started.ToString().c_str(), root.c_str()), 1;
  }
  OrderLoad load(fleet.port(), 4, args.orders_per_second, args.seed);
  load.Start();
  Status chaos_ran = RunChaos(fleet, **cluster, random, Clock::now() + std::chrono::seconds(args.seconds), chaos);
  load.Stop();
  fleet.StopAppender();
  if (!chaos_ran.ok()) {
    std::fprintf(stderr, "chaos_soak: %s (kept in %s)\n", chaos_ran.ToString().c_str(), root.c_str());
    return 1;
  }

  // Everything runs again and no fault is left: what was acknowledged must all be there.
  const std::vector<std::string> order_ids = RetryEveryOrder(fleet.port(), load.sent(), mismatches);
  if (Status settled = WaitUntilSettled(fleet.service_dir(), order_ids, std::chrono::seconds(300)); !settled.ok()) {
    mismatches.Add(settled.ToString());
  }
  if (int code = fleet.StopService(); code != 0) mismatches.Add("the order service exited " + std::to_string(code) + " on SIGTERM");
  const std::string fresh = root + "/fresh";
  if (Status rebuilt = RebuildFresh(fleet.service_dir(), fresh); !rebuilt.ok()) mismatches.Add(rebuilt.ToString());
  for (const std::string& model : DifferingReadModels(fleet.service_dir() + "/projections", fresh + "/projections")) {
    mismatches.Add("store-fed read model " + model);
  }
  for (const std::string& model :
       AwaitKafkaFed(fleet.projectors_dir() + "/projections", fresh + "/projections", std::chrono::seconds(120))) {
    mismatches.Add("Kafka-fed read model " + model);
  }
  if (int code = fleet.StopProjectors(); code != 0) mismatches.Add("the projectors exited " + std::to_string(code) + " on SIGTERM");
  CheckVerifies(fleet.service_dir(), mismatches);
  CheckVerifies(fleet.appender_dir(), mismatches);
  CheckAppended(fleet.appender_dir(), fleet.appended(), mismatches);
  const SagaCounts sagas = CheckOrdersAndSagas(fleet.service_dir(), fleet.ledger(), order_ids, mismatches);

  uint64_t saga_total = 0;
  std::string by_status;
  for (const auto& [status, count] : sagas) {
    saga_total += count;
    by_status += (by_status.empty() ? "" : ", ") + status + " " + std::to_string(count);
  }
  const size_t orders = load.accepted();  // a 202 under chaos
  std::printf("soak: %d s: writes acknowledged %zu (orders %zu, appended events %zu), kills survived %d "
              "(order service %d, projectors %d, appender %d), faults injected %d (broker outages), "
              "sagas %llu (%s), mismatches %llu\n",
              args.seconds, orders + fleet.appended().size(), orders, fleet.appended().size(), chaos.kills(), chaos.service_kills, chaos.projector_kills, chaos.appender_kills, chaos.broker_outages,
              static_cast<unsigned long long>(saga_total), by_status.c_str(),
              static_cast<unsigned long long>(mismatches.count()));
  if (mismatches.count() > 0 || args.keep) {
    std::printf("soak: the data dirs stay in %s\n", root.c_str());
  } else {
    std::filesystem::remove_all(root);
  }
  return mismatches.count() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace cairn::soak

int main(int argc, char** argv) {
  cairn::soak::Args args;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--seconds") && has_value) {
      args.seconds = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seed") && has_value) {
      args.seed = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    } else if (!std::strcmp(argv[i], "--orders-per-second") && has_value) {
      args.orders_per_second = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--keep")) {
      args.keep = true;
    } else {
      std::fprintf(stderr, "usage: chaos_soak [--seconds N] [--seed S] [--orders-per-second R] [--keep]\n");
      return 2;
    }
  }
  if (args.seconds <= 0 || args.orders_per_second <= 0) {
    std::fprintf(stderr, "chaos_soak: --seconds and --orders-per-second take a positive number\n");
    return 2;
  }
  return cairn::soak::Run(args);
}
