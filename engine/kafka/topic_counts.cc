#include "engine/kafka/topic_counts.h"

#include <librdkafka/rdkafka.h>

#include <memory>

namespace cairn::kafka {

Result<std::map<std::string, std::vector<PartitionWatermarks>>> TopicWatermarks(const std::string& brokers,
                                                                                 const std::string& prefix) {
  char message[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), message, sizeof(message)) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgumentError(std::string("bad brokers: ") + message);
  }
  rd_kafka_conf_set(conf, "log_level", "0", message, sizeof(message));
  rd_kafka_t* client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, message, sizeof(message));
  if (client == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InternalError(std::string("cannot create a Kafka client: ") + message);
  }
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> owned(client, rd_kafka_destroy);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t error = rd_kafka_metadata(client, 1, nullptr, &metadata, 5000);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return UnavailableError("cannot reach Kafka at " + brokers + ": " + rd_kafka_err2str(error));
  }
  std::map<std::string, std::vector<PartitionWatermarks>> topics;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const auto& topic = metadata->topics[t];
    if (std::string_view(topic.topic).substr(0, prefix.size()) != prefix) continue;
    auto& partitions = topics[topic.topic];
    for (int p = 0; p < topic.partition_cnt; ++p) {
      PartitionWatermarks marks{.partition = topic.partitions[p].id};
      if (rd_kafka_query_watermark_offsets(client, topic.topic, marks.partition, &marks.low, &marks.high, 5000) ==
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        partitions.push_back(marks);
      }
    }
  }
  rd_kafka_metadata_destroy(metadata);
  return topics;
}

Result<std::map<std::string, int64_t>> TopicCounts(const std::string& brokers, const std::string& prefix) {
  CAIRN_ASSIGN_OR_RETURN(auto topics, TopicWatermarks(brokers, prefix));
  std::map<std::string, int64_t> counts;
  for (const auto& [topic, partitions] : topics) {
    int64_t& total = counts[topic];
    for (const PartitionWatermarks& marks : partitions) total += marks.high - marks.low;
  }
  return counts;
}

}  // namespace cairn::kafka
