// How many messages each topic holds, for `cairn kafka status`.
#ifndef CAIRN_ENGINE_KAFKA_TOPIC_COUNTS_H_
#define CAIRN_ENGINE_KAFKA_TOPIC_COUNTS_H_

#include <cstdint>
#include <map>
#include <string>

#include "store/status.h"

namespace cairn::kafka {

// Messages (high minus low watermark, summed over partitions) of every topic
// whose name starts with `prefix`. Unavailable when the cluster cannot be reached.
Result<std::map<std::string, int64_t>> TopicCounts(const std::string& brokers, const std::string& prefix);

}  // namespace cairn::kafka

#endif  // CAIRN_ENGINE_KAFKA_TOPIC_COUNTS_H_
