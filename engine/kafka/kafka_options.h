// Settings of the Kafka fan-out, and how events map to topics.
#ifndef CAIRN_ENGINE_KAFKA_KAFKA_OPTIONS_H_
#define CAIRN_ENGINE_KAFKA_KAFKA_OPTIONS_H_

#include <chrono>
#include <map>
#include <string>

#include "engine/config.h"

namespace cairn::kafka {

struct KafkaOptions {
  // bootstrap.servers of a real cluster; empty starts the embedded mock cluster.
  std::string brokers;
  // Events of category C go to topic "<prefix>.C" unless `topics` maps C.
  std::string topic_prefix = "cairn";
  std::map<std::string, std::string> topics;
  std::string compression = "none";  // none, gzip, snappy, lz4, zstd
  // The embedded mock cluster's size and the partitions of its topics.
  int mock_brokers = 3;
  int mock_partitions = 4;
  // The publisher's checkpoint in the store.
  std::string checkpoint_name = "kafka-publisher";
  // Messages handed to librdkafka and not yet confirmed, at most.
  int max_in_flight = 100000;
  // How often the publisher saves its checkpoint while it runs.
  std::chrono::milliseconds checkpoint_interval{200};
  // More librdkafka properties (CAIRN_KAFKA_LINGER_MS=5 gives linger.ms=5).
  std::map<std::string, std::string> properties;
};

// kafka_brokers, kafka_topic_prefix, kafka_topics (category=topic,...),
// kafka_compression, kafka_mock_brokers, kafka_mock_partitions, and leaves
// the other CAIRN_KAFKA_* variables to KafkaProperties.
void BindKafkaOptions(ConfigLoader& loader, KafkaOptions& options);

// The CAIRN_KAFKA_* variables that `loader` does not bind, as librdkafka
// properties: the rest of the name in lower case, '_' as '.'.
std::map<std::string, std::string> KafkaProperties(const std::map<std::string, std::string>& environment,
                                                   const ConfigLoader& loader);

// InvalidArgument naming the CAIRN_KAFKA_* variable when librdkafka does not
// know a property or refuses its value.
Status ValidateKafkaProperties(const std::map<std::string, std::string>& properties);

// The topic of a category: the mapping, or "<prefix>.<category>" with any
// character Kafka does not allow in a topic name replaced by '_'.
std::string TopicFor(const KafkaOptions& options, std::string_view category);

}  // namespace cairn::kafka

#endif  // CAIRN_ENGINE_KAFKA_KAFKA_OPTIONS_H_
