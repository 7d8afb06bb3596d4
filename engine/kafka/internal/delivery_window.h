// DeliveryWindow: global positions sent in order and confirmed in any order
// (partitions answer independently); the checkpoint is the highest position
// at or below which every one is confirmed.
#ifndef CAIRN_ENGINE_KAFKA_INTERNAL_DELIVERY_WINDOW_H_
#define CAIRN_ENGINE_KAFKA_INTERNAL_DELIVERY_WINDOW_H_

#include <cstdint>
#include <deque>

namespace cairn::kafka::internal {

class DeliveryWindow {
 public:
  // Everything up to `checkpoint` is confirmed already.
  explicit DeliveryWindow(uint64_t checkpoint) : checkpoint_(checkpoint) {}

  // The next position must follow the last one sent: the log is gapless.
  // False (and nothing recorded) otherwise.
  bool Sent(uint64_t position) {
    if (position != last_sent() + 1) return false;
    confirmed_.push_back(false);
    ++in_flight_;
    return true;
  }
  // Ignores positions outside the window (a report for an earlier run).
  void Confirmed(uint64_t position) {
    if (position <= checkpoint_ || position > last_sent() || confirmed_[position - checkpoint_ - 1]) return;
    confirmed_[position - checkpoint_ - 1] = true;
    --in_flight_;
    while (!confirmed_.empty() && confirmed_.front()) {
      confirmed_.pop_front();
      ++checkpoint_;
    }
  }

  uint64_t checkpoint() const { return checkpoint_; }
  uint64_t last_sent() const { return checkpoint_ + confirmed_.size(); }
  uint64_t in_flight() const { return in_flight_; }

 private:
  uint64_t checkpoint_;
  std::deque<bool> confirmed_;  // from checkpoint_ + 1 to last_sent()
  uint64_t in_flight_ = 0;
};

}  // namespace cairn::kafka::internal

#endif  // CAIRN_ENGINE_KAFKA_INTERNAL_DELIVERY_WINDOW_H_
