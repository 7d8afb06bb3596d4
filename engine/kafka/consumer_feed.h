// ConsumerFeed: a consumer-group member that hands the events the publisher
// sent (decoded, with topic, partition and offset) to its caller, who pulls.
//
// Effectively once: the caller keeps the offsets of what it handled in its
// own state, in the same transaction as the state (a projection's SQLite
// file, a saga's stream), and tells the feed through an OffsetKeeper where
// each partition assigned to it resumes. Events returned by Poll count as
// handled once Poll is called again; when a rebalance takes partitions away,
// the feed tells the keeper, commits those positions to the group and lets
// the partitions go.
//
// The publisher sends at least once: DuplicateFilter drops a redelivery by
// its (stream, version).
//
// Thread safety: one thread uses a feed.
#ifndef CAIRN_ENGINE_KAFKA_CONSUMER_FEED_H_
#define CAIRN_ENGINE_KAFKA_CONSUMER_FEED_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/event_store.h"

namespace cairn::kafka {

struct FeedEvent {
  RecordedEvent event;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// An OffsetKeeper's answer for "from the earliest message Kafka still holds".
inline constexpr int64_t kOffsetBeginning = -2;

class OffsetKeeper {
 public:
  virtual ~OffsetKeeper() = default;
  // The next offset to read on a partition just assigned (or
  // kOffsetBeginning); nullopt: the group's committed offset, or the earliest.
  virtual std::optional<int64_t> NextOffset(const std::string& topic, int32_t partition) = 0;
  // These partitions are being taken away (offset: the next one to read).
  virtual void Revoked(const std::vector<PartitionOffset>& partitions) { (void)partitions; }
};

struct ConsumerOptions {
  std::string brokers;
  std::string group_id;
  std::vector<std::string> topics;  // names, or "^regex" patterns
  // librdkafka prefetches at most this much per partition.
  int max_buffered_kbytes = 4096;
  std::map<std::string, std::string> properties;
};

class ConsumerFeed {
 public:
  // `keeper` (optional, not owned) decides where assigned partitions resume.
  static Result<std::unique_ptr<ConsumerFeed>> Open(const ConsumerOptions& options, OffsetKeeper* keeper);
  ~ConsumerFeed();  // leaves the group

  // Up to `max` events, waiting up to `timeout` for the first. A message that
  // is not an EventRecord is DataLoss naming its topic, partition and offset:
  // the events before it come first, and every Poll after stops at it again
  // (its partition is sought back), so nothing past it is skipped.
  Result<std::vector<FeedEvent>> Poll(size_t max, std::chrono::milliseconds timeout);
  // Commits the next offsets to read, for members that start without a keeper.
  Status Commit(const std::vector<PartitionOffset>& next);
  // The partitions this member holds now.
  std::vector<PartitionOffset> Assignment() const;
  // librdkafka writes a byte to `fd` (non-blocking, kept open until the feed
  // is gone) when its queue goes from empty to not empty, so that a caller
  // waits on `fd` instead of in Poll. Poll until it returns fewer than `max`
  // to empty the queue again.
  void NotifyOn(int fd);

 private:
  struct Impl;
  explicit ConsumerFeed(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class DuplicateFilter {
 public:
  // False for an event at or below the last version accepted for its stream.
  bool Accept(const RecordedEvent& event);
  // The version of `stream` to accept next: 0 for a stream never seen.
  uint64_t Next(const std::string& stream) const;
  // Seeds the filter from the caller's state: `version` of `stream` is handled.
  void Remember(const std::string& stream, uint64_t version);

 private:
  std::unordered_map<std::string, uint64_t> next_version_;
};

}  // namespace cairn::kafka

#endif  // CAIRN_ENGINE_KAFKA_CONSUMER_FEED_H_
