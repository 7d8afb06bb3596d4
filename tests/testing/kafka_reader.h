// Reads whole topics from a Kafka cluster without a consumer group, for tests
// that check what a publisher sent; writes a message of any bytes, for tests
// of what a reader does with one that is not an event.
#ifndef CAIRN_TESTS_TESTING_KAFKA_READER_H_
#define CAIRN_TESTS_TESTING_KAFKA_READER_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace cairn::testing {

struct KafkaMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

// Every message of `topics` from the beginning, in offset order per
// partition; stops once `at_least` arrived or `timeout` passed.
std::vector<KafkaMessage> ReadTopics(const std::string& bootstrap, const std::vector<std::string>& topics,
                                     size_t at_least, std::chrono::milliseconds timeout);

// Sends `value` to `topic`'s `partition` and waits until the cluster has it;
// false when it did not within 10 s.
bool WriteMessage(const std::string& bootstrap, const std::string& topic, int32_t partition,
                  const std::string& value);

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_KAFKA_READER_H_
