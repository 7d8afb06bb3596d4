#include "projections/internal/page_fan_out.h"

#include <algorithm>

namespace cairn::projections::internal {

PageFanOut::PageFanOut(size_t consumers, size_t max_pages) : max_pages_(max_pages), next_(consumers, 0) {}

bool PageFanOut::Push(std::shared_ptr<const Page> page) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return pages_.size() < max_pages_ || !error_.ok(); });
  if (!error_.ok()) return false;
  pages_.push_back(std::move(page));
  changed_.notify_all();
  return true;
}

void PageFanOut::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

std::shared_ptr<const Page> PageFanOut::Next(size_t consumer) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return next_[consumer] < end() || closed_ || !error_.ok(); });
  if (!error_.ok() || next_[consumer] == end()) return nullptr;
  return pages_[next_[consumer] - first_];
}

void PageFanOut::Done(size_t consumer) {
  std::lock_guard lock(mu_);
  ++next_[consumer];
  const uint64_t slowest = *std::min_element(next_.begin(), next_.end());
  while (first_ < slowest) {
    pages_.pop_front();
    ++first_;
  }
  changed_.notify_all();
}

void PageFanOut::Fail(Status error) {
  std::lock_guard lock(mu_);
  if (error_.ok()) error_ = std::move(error);
  changed_.notify_all();
}

Status PageFanOut::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace cairn::projections::internal
