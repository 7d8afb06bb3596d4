#include "projections/internal/write_scheduler.h"

#include <algorithm>

namespace cairn::projections::internal {

WriteScheduler::WriteScheduler(size_t models, size_t max_pages)
    : max_pages_(max_pages), next_(models, 0), busy_(models, false) {}

bool WriteScheduler::Push(std::shared_ptr<const Page> page) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return pages_.size() < max_pages_ || !error_.ok(); });
  if (!error_.ok()) return false;
  pages_.push_back(std::move(page));
  changed_.notify_all();
  return true;
}

void WriteScheduler::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

std::optional<WriteScheduler::Task> WriteScheduler::NextTask() {
  std::optional<size_t> behind;
  for (size_t model = 0; model < next_.size(); ++model) {
    if (busy_[model] || next_[model] == end()) continue;
    if (!behind || next_[model] < next_[*behind]) behind = model;
  }
  if (!behind) return std::nullopt;
  return Task{*behind, pages_[next_[*behind] - first_]};
}

bool WriteScheduler::Drained() const {
  return std::all_of(next_.begin(), next_.end(), [&](uint64_t next) { return next == end(); });
}

void WriteScheduler::Work(const WriteFn& write) {
  std::unique_lock lock(mu_);
  for (;;) {
    std::optional<Task> task;
    changed_.wait(lock, [&] { return !error_.ok() || (task = NextTask()) || (closed_ && Drained()); });
    if (!error_.ok() || !task) return;  // failed, or everything written
    const size_t model = task->model;
    busy_[model] = true;
    lock.unlock();
    Status written = write(model, *task->page);
    task.reset();
    lock.lock();
    busy_[model] = false;
    if (!written.ok()) {
      if (error_.ok()) error_ = std::move(written);
    } else {
      ++next_[model];
      const uint64_t slowest = *std::min_element(next_.begin(), next_.end());
      for (; first_ < slowest; ++first_) {  // every read model is past it
        if (!pages_.front()->empty()) written_ = pages_.front()->back().position;
        pages_.pop_front();
      }
    }
    changed_.notify_all();
  }
}

uint64_t WriteScheduler::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

Status WriteScheduler::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

void WriteScheduler::Fail(Status error) {
  std::lock_guard lock(mu_);
  if (error_.ok()) error_ = std::move(error);
  changed_.notify_all();
}

}  // namespace cairn::projections::internal
