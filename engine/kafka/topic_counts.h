// How many messages each topic and partition holds, for `cairn kafka status`
// and the consumer lag of Kafka-fed read models.
#ifndef CAIRN_ENGINE_KAFKA_TOPIC_COUNTS_H_
#define CAIRN_ENGINE_KAFKA_TOPIC_COUNTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/status.h"

namespace cairn::kafka {

struct PartitionWatermarks {
  int32_t partition = 0;
  int64_t low = 0;   // the oldest offset still kept
  int64_t high = 0;  // the offset the next message gets
};

// The partitions of every topic whose name starts with `prefix`.
// Unavailable when the cluster cannot be reached.
Result<std::map<std::string, std::vector<PartitionWatermarks>>> TopicWatermarks(const std::string& brokers,
                                                                                 const std::string& prefix);

// Messages (high minus low watermark, summed over partitions) of every topic
// whose name starts with `prefix`.
Result<std::map<std::string, int64_t>> TopicCounts(const std::string& brokers, const std::string& prefix);

}  // namespace cairn::kafka

#endif  // CAIRN_ENGINE_KAFKA_TOPIC_COUNTS_H_
