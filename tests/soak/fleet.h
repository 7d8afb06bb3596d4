// Fleet: the processes the chaos soak runs and kills. The order service holds
// the store and runs the Kafka publisher, the store-fed read models, the
// sagas and the HTTP API; the projectors feed their own copies of the read
// models from Kafka in a process of their own; the appender keeps
// asynchronous appends in flight on a store of its own. Each can be killed
// with SIGKILL and started again at any moment.
#ifndef CAIRN_TESTS_SOAK_FLEET_H_
#define CAIRN_TESTS_SOAK_FLEET_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "store/status.h"
#include "tests/testing/acknowledged.h"
#include "tests/testing/subprocess.h"

namespace cairn::soak {

struct FleetOptions {
  std::string root;       // every data dir and file of the run lives here
  std::string bootstrap;  // the Kafka cluster
  unsigned seed = 1;
  int appends_per_second = 1000;
};

class Fleet {
 public:
  explicit Fleet(FleetOptions options);

  // Starts the service (and waits until it listens), then the others.
  Status Start();
  // SIGKILL, then start again. Unavailable when it does not come back.
  Status KillService();
  void KillProjectors();
  // Keeps what the appender acknowledged before it died.
  void KillAppender();

  // The end: stops the appender for good (SIGKILL), and the others with
  // SIGTERM; their exit codes.
  void StopAppender();
  int StopService();
  int StopProjectors();
  void StartProjectors();
  // Names the processes that ended without being killed ("" when none did).
  std::string Ended();

  uint16_t port() const { return port_; }
  std::string service_dir() const { return options_.root + "/service"; }
  std::string projectors_dir() const { return options_.root + "/projectors"; }
  std::string appender_dir() const { return options_.root + "/appender"; }
  std::string ledger() const { return options_.root + "/payment-ledger.jsonl"; }
  const std::vector<testing::Acknowledged>& appended() const { return appended_; }

 private:
  Status StartService();
  void StartAppender();
  // Appends a process's log to <root>/logs/<name>.log before it is replaced.
  void KeepLog(const std::string& name, const testing::Child& child);

  FleetOptions options_;
  uint16_t port_ = 0;  // kept across restarts, so clients reconnect to it
  unsigned appender_runs_ = 0;
  std::unique_ptr<testing::Child> service_, projectors_, appender_;
  std::vector<testing::Acknowledged> appended_;
};

// A loopback port that was free a moment ago.
uint16_t FreePort();

}  // namespace cairn::soak

#endif  // CAIRN_TESTS_SOAK_FLEET_H_
