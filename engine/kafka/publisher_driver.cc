#include "engine/kafka/internal/publisher_driver.h"

#include <spdlog/spdlog.h>

namespace cairn::kafka {

namespace {

constexpr int kPagesPerStep = 8;  // then the strand may look at what else woke it

}  // namespace

Publisher::Driver::Driver(Impl& impl, Runtime& runtime)
    : ComponentDriver(runtime),
      impl_(impl),
      events_(strand(), impl.events->DuplicateReadFd()),
      read_(impl.window.last_sent()) {}

void Publisher::Driver::Begin() {
  Post([self = self<Driver>()] {
    self->WaitForEvents();
    self->Step();  // what was queued before the pipe was watched, then the first pages
  });
}

void Publisher::Driver::OnEnd() {
  boost::system::error_code ignored;
  events_.cancel(ignored);
}

void Publisher::Driver::Wake() {
  if (stopping()) return;
  if (busy()) {
    again_ = true;
    return;
  }
  Step();
}

void Publisher::Driver::Step() {
  again_ = false;
  Blocking([self = self<Driver>()] { return self->Work(); },
           [this](Result<Outcome> outcome) { OnStep(std::move(outcome)); });
}

Result<Publisher::Driver::Outcome> Publisher::Driver::Work() {
  impl_.events->Drain();  // a write after this wakes the next wait
  // Delivery reports and errors run here: the window is the steps' own.
  rd_kafka_poll(impl_.producer, 0);
  impl_.Publish();
  const auto now = std::chrono::steady_clock::now();
  if (now - last_save_ >= impl_.options.checkpoint_interval) {
    // A checkpoint not saved is saved later: said once, not at every interval.
    Status saved = impl_.SaveCheckpoint();
    if (!saved.ok() && !saving_failed_) spdlog::error("kafka publisher: {}", saved.ToString());
    if (saved.ok() && saving_failed_) spdlog::info("kafka publisher saves its checkpoint again");
    saving_failed_ = !saved.ok();
    last_save_ = now;
  }
  if (impl_.failed()) return Outcome::kFailed;
  for (int page = 0; page < kPagesPerStep; ++page) {
    for (; next_ < pending_.size(); ++next_) {
      Status sent = impl_.Produce(pending_[next_]);
      if (sent.code() == StatusCode::kResourceExhausted) return Outcome::kDeliveries;  // librdkafka's queue is full
      if (!sent.ok()) {
        impl_.SetState(PublisherState::kFailed, sent.message());
        return Outcome::kFailed;
      }
    }
    pending_.clear();
    next_ = 0;
    // Hold the store where it is until Kafka confirms some of what it holds.
    if (impl_.window.in_flight() >= static_cast<uint64_t>(impl_.options.max_in_flight)) return Outcome::kDeliveries;
    if (impl_.store.HeadPosition() <= read_) return Outcome::kHead;
    // The records go out as stored: no decoding and encoding again.
    CAIRN_ASSIGN_OR_RETURN(pending_, impl_.store.ReadAllRecords(read_ + 1, Impl::kPageSize));
    read_ += pending_.size();  // the log is gapless: the page ends there
    impl_.SetState(PublisherState::kRunning, "", PublisherState::kStoreUnavailable);
  }
  return Outcome::kMore;
}

void Publisher::Driver::OnStep(Result<Outcome> outcome) {
  WaitForEvents();  // the step drained the pipe
  if (!outcome.ok()) {
    const StatusCode code = outcome.status().code();
    if (code != StatusCode::kUnavailable && code != StatusCode::kResourceExhausted) {
      return impl_.SetState(PublisherState::kFailed, outcome.status().ToString());
    }
    impl_.SetState(PublisherState::kStoreUnavailable, outcome.status().ToString());
    return After(backoff_.Next(), [this] { Step(); });
  }
  backoff_.Reset();
  switch (*outcome) {
    case Outcome::kMore: return Step();
    case Outcome::kHead: WaitForHead(); break;
    case Outcome::kDeliveries:
    case Outcome::kFailed: break;  // the pipe wakes it
  }
  if (again_) return Step();
  // A checkpoint that moved since the last save is saved when its time comes;
  // one that did not move needs no step.
  if (!impl_.checkpoint_unsaved()) return;
  const auto due = last_save_ + impl_.options.checkpoint_interval - std::chrono::steady_clock::now();
  After(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(due), std::chrono::milliseconds(1)),
        [this] { Step(); });
}

void Publisher::Driver::WaitForEvents() {
  if (watching_) return;
  watching_ = true;
  events_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [self = self<Driver>()](boost::system::error_code error) {
                       self->watching_ = false;
                       if (error || self->stopping()) return;
                       // Watched again once a step drained it: a readable pipe
                       // would wake this handler over and over meanwhile.
                       if (self->busy()) {
                         self->again_ = true;
                         return;
                       }
                       self->Step();
                     });
}

void Publisher::Driver::WaitForHead() {
  if (waiting_for_head_) return;
  waiting_for_head_ = true;
  const uint64_t position = read_;
  impl_.store.NotifyWhenHeadPasses(position, [weak = weak_from_this(), position](uint64_t head) {
    auto self = std::static_pointer_cast<Driver>(weak.lock());
    if (!self) return;
    self->Post([self, position, head] {
      self->waiting_for_head_ = false;
      if (self->stopping()) return;
      if (head <= position) return self->impl_.SetState(PublisherState::kFailed, "the store closed");
      self->Wake();
    });
  });
}

}  // namespace cairn::kafka
