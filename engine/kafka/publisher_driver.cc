#include "engine/kafka/internal/publisher_driver.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace cairn::kafka {

namespace asio = boost::asio;

Publisher::Driver::Driver(Impl& impl, Runtime& runtime)
    : impl_(impl),
      runtime_(runtime),
      strand_(asio::make_strand(runtime.io())),
      events_(strand_, impl.events->DuplicateReadFd()),
      save_timer_(strand_),
      backoff_timer_(strand_) {}

void Publisher::Driver::Begin() {
  asio::post(strand_, [self = shared_from_this()] {
    self->ScheduleSave();
    self->ServeEvents();  // what was queued before the pipe was watched, then the first page
  });
}

void Publisher::Driver::End() {
  if (runtime_.io().stopped()) {
    stopping_ = true;  // nothing runs the strand any more
    return;
  }
  std::promise<void> ended;
  std::future<void> done = ended.get_future();
  asio::post(strand_, [this, &ended] {
    stopping_ = true;
    save_timer_.cancel();
    backoff_timer_.cancel();
    boost::system::error_code ignored;
    events_.cancel(ignored);
    ended_ = &ended;
    EndIfIdle();
  });
  done.wait();
}

void Publisher::Driver::EndIfIdle() {
  if (ended_ && !reading_ && !saving_) {
    ended_->set_value();
    ended_ = nullptr;
  }
}

void Publisher::Driver::WaitForEvents() {
  events_.async_wait(asio::posix::stream_descriptor::wait_read, [self = shared_from_this()](boost::system::error_code error) {
    if (!error && !self->stopping_) self->ServeEvents();
  });
}

void Publisher::Driver::ServeEvents() {
  impl_.events->Drain();
  // Delivery reports and errors run here, on the strand: the window is the driver's.
  rd_kafka_poll(impl_.producer, 0);
  impl_.Publish();
  Pump();
  WaitForEvents();
}

void Publisher::Driver::Pump() {
  if (stopping_ || impl_.failed()) return;  // failed: deliveries still count
  for (; next_ < pending_.size(); ++next_) {
    Status sent = impl_.Produce(pending_[next_]);
    if (sent.code() == StatusCode::kResourceExhausted) return;  // deliveries make room, and pump again
    if (!sent.ok()) return impl_.SetState(PublisherState::kFailed, sent.message());
  }
  pending_.clear();
  next_ = 0;
  if (reading_ || backing_off_) return;
  // Hold the store where it is until Kafka confirms some of what it holds.
  if (impl_.window.in_flight() >= static_cast<uint64_t>(impl_.options.max_in_flight)) return;
  const uint64_t next = impl_.window.last_sent() + 1;
  if (impl_.store.HeadPosition() < next) return WaitForHead(next - 1);
  reading_ = true;
  RunBlocking(
      runtime_, strand_, [self = shared_from_this(), next] { return self->impl_.ReadPage(next); },
      [self = shared_from_this()](Result<std::vector<std::string>> page) { self->OnPage(std::move(page)); });
}

void Publisher::Driver::WaitForHead(uint64_t position) {
  if (waiting_for_head_) return;
  waiting_for_head_ = true;
  impl_.store.NotifyWhenHeadPasses(position, [weak = weak_from_this(), position](uint64_t head) {
    auto self = weak.lock();
    if (!self) return;
    asio::post(self->strand_, [self, position, head] {
      self->waiting_for_head_ = false;
      if (self->stopping_) return;
      if (head <= position) return self->impl_.SetState(PublisherState::kFailed, "the store closed");
      self->Pump();
    });
  });
}

void Publisher::Driver::OnPage(Result<std::vector<std::string>> page) {
  reading_ = false;
  if (stopping_) return EndIfIdle();
  if (!page.ok()) {
    const StatusCode code = page.status().code();
    if (code != StatusCode::kUnavailable && code != StatusCode::kResourceExhausted) {
      return impl_.SetState(PublisherState::kFailed, page.status().ToString());
    }
    impl_.SetState(PublisherState::kStoreUnavailable, page.status().ToString());
    backing_off_ = true;
    backoff_timer_.expires_after(backoff_.Next());
    backoff_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
      self->backing_off_ = false;
      if (!error && !self->stopping_) self->Pump();
    });
    return;
  }
  backoff_.Reset();
  impl_.SetState(PublisherState::kRunning, "", PublisherState::kStoreUnavailable);
  impl_.Publish();  // the lag grows while Kafka is away, too
  pending_ = std::move(*page);
  next_ = 0;
  Pump();
}

void Publisher::Driver::ScheduleSave() {
  save_timer_.expires_after(impl_.options.checkpoint_interval);
  save_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (error || self->stopping_) return;
    self->saving_ = true;
    RunBlocking(
        self->runtime_, self->strand_, [self] { return self->impl_.SaveCheckpoint(); },
        [self](Status saved) { self->OnSaved(saved); });
  });
}

void Publisher::Driver::OnSaved(const Status& saved) {
  saving_ = false;
  if (stopping_) return EndIfIdle();
  // A checkpoint not saved is saved later: said once, not at every interval.
  if (!saved.ok() && !saving_failed_) spdlog::error("kafka publisher: {}", saved.ToString());
  if (saved.ok() && saving_failed_) spdlog::info("kafka publisher saves its checkpoint again");
  saving_failed_ = !saved.ok();
  ScheduleSave();
}

}  // namespace cairn::kafka
