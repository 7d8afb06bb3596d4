#include "examples/commerce/payment_gateway.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fstream>
#include <memory>
#include <vector>
#include <nlohmann/json.hpp>

#include "examples/commerce/line_file.h"

namespace cairn::commerce {
namespace {

using State = LedgerEntry::State;

const char* StateName(State state) {
  switch (state) {
    case State::kCharged: return "charged";
    case State::kDeclined: return "declined";
    case State::kVoid: return "void";
    case State::kRefunded: return "refunded";
  }
  return "?";
}

}  // namespace

void AnswerLater(boost::asio::any_io_executor executor, std::chrono::milliseconds latency, std::function<void()> answer) {
  if (latency.count() <= 0) return boost::asio::post(executor, std::move(answer));
  auto timer = std::make_shared<boost::asio::steady_timer>(executor, latency);
  timer->async_wait([timer, answer = std::move(answer)](boost::system::error_code error) {
    if (!error) answer();
  });
}

SimulatedPaymentGateway::SimulatedPaymentGateway(SimulatedGatewayRules rules) : rules_(std::move(rules)) {}

Status SimulatedPaymentGateway::Open() {
  if (rules_.ledger_path.empty()) return OkStatus();
  Result<std::vector<std::string>> read = ReadWholeLines(rules_.ledger_path);
  if (!read.ok()) return InvalidArgumentError("payment ledger: " + read.status().message());
  const std::vector<std::string>& lines = *read;
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json entry = nlohmann::json::parse(lines[i], nullptr, false);
    if (entry.is_discarded() || !entry.is_object() || !entry.contains("charge_id") || !entry.contains("state")) {
      return InvalidArgumentError("payment ledger " + rules_.ledger_path + " line " + std::to_string(i + 1) +
                                  " is not a ledger entry");
    }
    LedgerEntry& kept = ledger_[entry.value("charge_id", "")];
    const std::string state = entry.value("state", "");
    kept.order_id = entry.value("order_id", kept.order_id);
    kept.amount = entry.value("amount", kept.amount);
    kept.refunded = entry.value("refunded", kept.refunded);
    kept.charges += state == "charged";
    kept.state = state == "charged"    ? State::kCharged
                 : state == "declined" ? State::kDeclined
                 : state == "void"     ? State::kVoid
                                       : State::kRefunded;
    if (entry.contains("refund_id")) refund_ids_.insert(entry.value("refund_id", ""));
  }
  return OkStatus();
}

bool SimulatedPaymentGateway::Fails() {
  if (outage_) return true;
  std::lock_guard lock(mu_);
  return std::uniform_int_distribution<int>(0, 99)(random_) < rules_.fail_percent;
}

void SimulatedPaymentGateway::Charge(const GatewayCharge& charge, boost::asio::any_io_executor executor,
                                     ChargeDone done) {
  const bool fails = Fails();
  AnswerLater(executor, rules_.latency, [this, charge, fails, done = std::move(done)] {
    if (fails) return done(UnavailableError("the payment provider did not answer for charge " + charge.charge_id));
    done(ApplyCharge(charge));
  });
}

void SimulatedPaymentGateway::Refund(const GatewayRefund& refund, boost::asio::any_io_executor executor,
                                     RefundDone done) {
  const bool fails = Fails();
  AnswerLater(executor, rules_.latency, [this, refund, fails, done = std::move(done)] {
    if (fails) return done(UnavailableError("the payment provider did not answer for refund " + refund.refund_id));
    done(ApplyRefund(refund));
  });
}

Result<GatewayDecision> SimulatedPaymentGateway::ApplyCharge(const GatewayCharge& charge) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = ledger_.try_emplace(charge.charge_id);
  LedgerEntry& entry = it->second;
  GatewayDecision decision;
  if (!fresh) {  // the same charge id again: the first answer, nothing taken twice
    decision.approved = entry.state == State::kCharged || entry.state == State::kRefunded;
    decision.reference = decision.approved ? "sim-" + charge.charge_id : "";
    decision.reason = entry.state == State::kVoid       ? "charge " + charge.charge_id + " was voided"
                      : entry.state == State::kDeclined ? "declined before"
                                                        : "";
    return decision;
  }
  entry.order_id = charge.order_id;
  entry.amount = charge.amount;
  if (rules_.declined_customers.count(charge.customer_id)) {
    decision.reason = "customer " + charge.customer_id + " is declined";
  } else if (rules_.decline_above > 0 && charge.amount > rules_.decline_above) {
    decision.reason = "amount " + std::to_string(charge.amount) + " is above the limit of " +
                      std::to_string(rules_.decline_above);
  } else {
    decision.approved = true;
    decision.reference = "sim-" + charge.charge_id;
  }
  entry.state = decision.approved ? State::kCharged : State::kDeclined;
  entry.charges += decision.approved;
  Write(nlohmann::json{{"charge_id", charge.charge_id}, {"order_id", charge.order_id},
                       {"state", StateName(entry.state)}, {"amount", charge.amount}}
            .dump());
  return decision;
}

Result<RefundReceipt> SimulatedPaymentGateway::ApplyRefund(const GatewayRefund& refund) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = ledger_.try_emplace(refund.charge_id);
  LedgerEntry& entry = it->second;
  if (fresh) entry.state = State::kVoid;  // nothing taken: a charge that comes later is refused
  RefundReceipt receipt;
  if (refund_ids_.count(refund.refund_id) || entry.state == State::kRefunded) {
    receipt.refunded = entry.state == State::kRefunded;
    receipt.amount = entry.refunded;
    return receipt;  // the same refund again
  }
  if (entry.state == State::kCharged) {
    entry.state = State::kRefunded;
    entry.refunded = entry.amount;
    receipt = {true, entry.amount};
  }
  refund_ids_.insert(refund.refund_id);
  Write(nlohmann::json{{"charge_id", refund.charge_id}, {"refund_id", refund.refund_id},
                       {"state", StateName(entry.state)}, {"refunded", entry.refunded}}
            .dump());
  return receipt;
}

void SimulatedPaymentGateway::Write(const std::string& line) {
  if (rules_.ledger_path.empty()) return;
  std::ofstream(rules_.ledger_path, std::ios::app) << line << '\n';
}

std::map<std::string, LedgerEntry> SimulatedPaymentGateway::Ledger() const {
  std::lock_guard lock(mu_);
  return ledger_;
}

}  // namespace cairn::commerce
