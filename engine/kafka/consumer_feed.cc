#include "engine/kafka/consumer_feed.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <set>

#include "store/event_record.h"

namespace cairn::kafka {
namespace {

std::vector<PartitionOffset> ToOffsets(const rd_kafka_topic_partition_list_t* list) {
  std::vector<PartitionOffset> offsets;
  for (int i = 0; list && i < list->cnt; ++i) {
    offsets.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
  }
  return offsets;
}

}  // namespace

struct ConsumerFeed::Impl {
  using Partition = std::pair<std::string, int32_t>;

  rd_kafka_t* consumer = nullptr;
  OffsetKeeper* keeper = nullptr;
  // Next offsets after the events the caller handled (all Polls but the last),
  // after the events the last Poll returned, and the partitions taken away
  // during the current Poll.
  std::map<Partition, int64_t> handled, returned;
  std::set<Partition> revoked_now;

  ~Impl() {
    if (consumer == nullptr) return;
    HandOver();  // the caller is done with what it got
    rd_kafka_consumer_close(consumer);  // runs the last revocation
    rd_kafka_destroy(consumer);
  }

  // False when the consumer may have moved past `offset` anyway.
  bool SeekBack(const std::string& topic, int32_t partition, int64_t offset) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
    // With a timeout, no message fetched past `offset` reaches a later Poll.
    rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer, list, 10'000);
    const std::string why = error ? rd_kafka_error_string(error) : rd_kafka_err2str(list->elems[0].err);
    const bool back = !error && list->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (error) rd_kafka_error_destroy(error);
    rd_kafka_topic_partition_list_destroy(list);
    if (!back) spdlog::error("kafka feed: cannot go back to {}/{}@{}: {}", topic, partition, offset, why);
    return back;
  }

  void HandOver() {
    for (const auto& [partition, next] : returned) handled[partition] = next;
    returned.clear();
  }

  void OnRebalance(rd_kafka_resp_err_t event, rd_kafka_topic_partition_list_t* partitions) {
    if (event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      for (int i = 0; keeper && i < partitions->cnt; ++i) {
        auto& partition = partitions->elems[i];
        if (std::optional<int64_t> next = keeper->NextOffset(partition.topic, partition.partition)) {
          partition.offset = *next;
        }
      }
      rd_kafka_assign(consumer, partitions);
      return;
    }
    // Revoked: commit where the caller's handling stands, not where fetching got.
    std::vector<PartitionOffset> positions;
    rd_kafka_topic_partition_list_t* commit = rd_kafka_topic_partition_list_new(partitions->cnt);
    for (int i = 0; i < partitions->cnt; ++i) {
      const Partition partition{partitions->elems[i].topic, partitions->elems[i].partition};
      revoked_now.insert(partition);
      returned.erase(partition);
      if (auto it = handled.find(partition); it != handled.end()) {
        positions.push_back({partition.first, partition.second, it->second});
        rd_kafka_topic_partition_list_add(commit, partition.first.c_str(), partition.second)->offset = it->second;
        handled.erase(it);
      }
    }
    if (keeper) keeper->Revoked(positions);
    if (commit->cnt > 0) {
      rd_kafka_resp_err_t error = rd_kafka_commit(consumer, commit, /*async=*/0);
      if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        spdlog::warn("kafka feed: commit at revocation failed: {}", rd_kafka_err2str(error));
      }
    }
    rd_kafka_topic_partition_list_destroy(commit);
    rd_kafka_assign(consumer, nullptr);
  }
};

ConsumerFeed::ConsumerFeed(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConsumerFeed::~ConsumerFeed() = default;

Result<std::unique_ptr<ConsumerFeed>> ConsumerFeed::Open(const ConsumerOptions& options, OffsetKeeper* keeper) {
  if (options.group_id.empty()) return InvalidArgumentError("a consumer feed needs a group id");
  if (options.topics.empty()) return InvalidArgumentError("a consumer feed needs topics");
  auto impl = std::make_unique<Impl>();
  impl->keeper = keeper;
  char message[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::vector<std::pair<std::string, std::string>> properties = {
      {"bootstrap.servers", options.brokers},
      {"group.id", options.group_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"queued.max.messages.kbytes", std::to_string(options.max_buffered_kbytes)},
      // A pattern subscription (^cairn[.].*) finds topics of new categories at the
      // next metadata refresh: every 5 s rather than librdkafka's 5 min.
      {"topic.metadata.refresh.interval.ms", "5000"},
  };
  for (const auto& [name, value] : options.properties) properties.emplace_back(name, value);
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), message, sizeof(message)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgumentError("Kafka property " + name + "=" + value + ": " + message);
    }
  }
  rd_kafka_conf_set_opaque(conf, impl.get());
  rd_kafka_conf_set_rebalance_cb(conf, [](rd_kafka_t*, rd_kafka_resp_err_t event,
                                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    static_cast<Impl*>(opaque)->OnRebalance(event, partitions);
  });
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* facility, const char* text) {
    spdlog::debug("librdkafka {} {}: {}", level, facility, text);
  });
  impl->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof(message));
  if (impl->consumer == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgumentError(std::string("cannot create the Kafka consumer: ") + message);
  }
  rd_kafka_poll_set_consumer(impl->consumer);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(static_cast<int>(options.topics.size()));
  for (const std::string& topic : options.topics) {
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t error = rd_kafka_subscribe(impl->consumer, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return InvalidArgumentError(std::string("cannot subscribe: ") + rd_kafka_err2str(error));
  }
  return std::unique_ptr<ConsumerFeed>(new ConsumerFeed(std::move(impl)));
}

Result<std::vector<FeedEvent>> ConsumerFeed::Poll(size_t max, std::chrono::milliseconds timeout) {
  impl_->HandOver();  // what the last Poll returned is handled now
  impl_->revoked_now.clear();
  std::vector<FeedEvent> events;
  int wait = static_cast<int>(timeout.count());
  while (events.size() < max) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(impl_->consumer, wait);
    if (message == nullptr) break;
    wait = 0;  // after the first, take only what is already here
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owned(message, rd_kafka_message_destroy);
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka feed: {}", rd_kafka_message_errstr(message));
      continue;
    }
    const std::string topic = rd_kafka_topic_name(message->rkt);
    Result<RecordedEvent> event =
        DecodeEventRecord(std::string_view(static_cast<const char*>(message->payload), message->len));
    if (!event.ok()) {
      // Its partition goes back to it: every Poll stops there, and nothing
      // after it is taken, until an operator deals with it. The events
      // before it are returned first.
      if (impl_->SeekBack(topic, message->partition, message->offset) && !events.empty()) break;
      return DataLossError("message at " + topic + "/" + std::to_string(message->partition) + "@" +
                           std::to_string(message->offset) + " is not an EventRecord");
    }
    events.push_back({std::move(event).value(), topic, message->partition, message->offset});
  }
  // Events of partitions taken away meanwhile belong to their new owner now.
  std::erase_if(events, [&](const FeedEvent& e) { return impl_->revoked_now.count({e.topic, e.partition}) > 0; });
  for (const FeedEvent& e : events) impl_->returned[{e.topic, e.partition}] = e.offset + 1;
  return events;
}

Status ConsumerFeed::Commit(const std::vector<PartitionOffset>& next) {
  if (next.empty()) return OkStatus();
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
  for (const PartitionOffset& offset : next) {
    rd_kafka_topic_partition_list_add(list, offset.topic.c_str(), offset.partition)->offset = offset.offset;
  }
  rd_kafka_resp_err_t error = rd_kafka_commit(impl_->consumer, list, /*async=*/0);
  rd_kafka_topic_partition_list_destroy(list);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) return UnavailableError(std::string("commit failed: ") + rd_kafka_err2str(error));
  return OkStatus();
}

void ConsumerFeed::NotifyOn(int fd) {
  // The main queue is forwarded to the consumer queue: only the last one of a chain signals.
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(impl_->consumer);
  rd_kafka_queue_io_event_enable(queue, fd, "!", 1);
  rd_kafka_queue_destroy(queue);
}

std::vector<PartitionOffset> ConsumerFeed::Assignment() const {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(impl_->consumer, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  std::vector<PartitionOffset> offsets = ToOffsets(list);
  rd_kafka_topic_partition_list_destroy(list);
  return offsets;
}

bool DuplicateFilter::Accept(const RecordedEvent& event) {
  auto [it, inserted] = next_version_.try_emplace(event.stream, 0);
  if (event.version < it->second) return false;
  it->second = event.version + 1;
  return true;
}

uint64_t DuplicateFilter::Next(const std::string& stream) const {
  auto it = next_version_.find(stream);
  return it == next_version_.end() ? 0 : it->second;
}

void DuplicateFilter::Remember(const std::string& stream, uint64_t version) {
  uint64_t& next = next_version_[stream];
  next = std::max(next, version + 1);
}

}  // namespace cairn::kafka
