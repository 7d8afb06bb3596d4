#include "examples/commerce/payment_gateway.h"

#include <thread>

namespace cairn::commerce {

int StablePercentile(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ULL;
  return static_cast<int>(hash % 100);
}

Result<GatewayDecision> SimulatedPaymentGateway::Charge(const GatewayCharge& charge) {
  const int percentile = StablePercentile(charge.charge_id);
  if (percentile < rules_.delay_percent) std::this_thread::sleep_for(rules_.delay);
  if (StablePercentile("fail:" + charge.charge_id) < rules_.fail_percent) {
    return UnavailableError("payment gateway unavailable for charge " + charge.charge_id);
  }
  GatewayDecision decision;
  if (rules_.declined_customers.count(charge.customer_id)) {
    decision.reason = "customer " + charge.customer_id + " is declined";
  } else if (rules_.decline_above > 0 && charge.amount > rules_.decline_above) {
    decision.reason = "amount " + std::to_string(charge.amount) + " is above the limit of " +
                      std::to_string(rules_.decline_above);
  } else {
    decision.approved = true;
    decision.reference = "sim-" + charge.charge_id;
  }
  return decision;
}

}  // namespace cairn::commerce
