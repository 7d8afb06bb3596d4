#include "engine/kafka/kafka_options.h"

#include <librdkafka/rdkafka.h>

#include <cctype>
#include <set>
#include <sstream>

namespace cairn::kafka {
namespace {

constexpr std::string_view kPassthroughPrefix = "CAIRN_KAFKA_";

bool TopicCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

}  // namespace

void BindKafkaOptions(ConfigLoader& loader, KafkaOptions& options) {
  loader.Bind("kafka_brokers", &options.brokers, "Kafka bootstrap servers; empty: the embedded mock cluster");
  loader.Bind("kafka_topic_prefix", &options.topic_prefix, "topics are <prefix>.<category>");
  loader.Bind("kafka_topics", &options.topics, "category=topic pairs that override the prefix rule");
  loader.BindChoice("kafka_compression", &options.compression, {"none", "gzip", "snappy", "lz4", "zstd"},
                    "compression of published messages");
  loader.Bind("kafka_mock_brokers", &options.mock_brokers, 1, 16, "brokers of the embedded mock cluster");
  loader.Bind("kafka_mock_partitions", &options.mock_partitions, 1, 256, "partitions of each mock topic");
  loader.Bind("kafka_checkpoint_interval_ms", &options.checkpoint_interval, "how often the publisher saves its checkpoint");
  loader.Bind("kafka_max_in_flight", &options.max_in_flight, 1, 10000000, "messages awaiting confirmation, at most");
  loader.AllowPrefix(std::string(kPassthroughPrefix));
}

std::map<std::string, std::string> KafkaProperties(const std::map<std::string, std::string>& environment,
                                                   const ConfigLoader& loader) {
  std::map<std::string, std::string> properties;
  for (const auto& [variable, value] : environment) {
    if (variable.rfind(kPassthroughPrefix, 0) != 0 || loader.Binds(variable)) continue;
    std::string property;
    for (char c : variable.substr(kPassthroughPrefix.size())) {
      property += c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    properties[property] = value;
  }
  return properties;
}

Status ValidateKafkaProperties(const std::map<std::string, std::string>& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status status;
  char error[256];
  for (const auto& [property, value] : properties) {
    if (rd_kafka_conf_set(conf, property.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
      std::string variable = "CAIRN_KAFKA_";
      for (char c : property) variable += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      status = InvalidArgumentError("config: " + variable + ": " + error);
      break;
    }
  }
  rd_kafka_conf_destroy(conf);
  return status;
}

std::string TopicFor(const KafkaOptions& options, std::string_view category) {
  if (auto it = options.topics.find(std::string(category)); it != options.topics.end()) return it->second;
  std::string topic = options.topic_prefix.empty() ? std::string(category)
                                                    : options.topic_prefix + "." + std::string(category);
  for (char& c : topic) {
    if (!TopicCharacter(c)) c = '_';
  }
  return topic.substr(0, 249);
}

}  // namespace cairn::kafka
