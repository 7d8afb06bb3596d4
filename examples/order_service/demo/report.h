// The demo's report: what became of each order, two saga timelines, the
// payment provider's ledger, the read models, the Kafka topics and the
// circuit breaker, each with the checks it allows.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_DEMO_REPORT_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_DEMO_REPORT_H_

#include <string>

#include "examples/order_service/demo/scenario.h"

namespace cairn::demo {

struct ReportSources {
  std::string data_dir;     // the service's
  std::string ledger_path;  // the payment simulator's ledger (JSON lines)
  std::string kafka_bootstrap;
};

void PrintReport(const Scenario& scenario, order_service::HttpClient& client, const ReportSources& sources,
                 Checks& checks);

}  // namespace cairn::demo

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_DEMO_REPORT_H_
