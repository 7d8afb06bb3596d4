// MockCluster: librdkafka's mock Kafka cluster, in this process. Its brokers
// speak the real Kafka protocol on loopback ports, so any Kafka client (kcat
// too) can connect. It keeps everything in memory.
#ifndef CAIRN_ENGINE_KAFKA_MOCK_CLUSTER_H_
#define CAIRN_ENGINE_KAFKA_MOCK_CLUSTER_H_

#include <memory>
#include <string>

#include "store/status.h"

namespace cairn::kafka {

class MockCluster {
 public:
  // A cluster of `brokers` brokers (ids 1..brokers) on random loopback ports.
  static Result<std::unique_ptr<MockCluster>> Start(int brokers);
  ~MockCluster();

  // "127.0.0.1:port,..." for bootstrap.servers.
  const std::string& bootstrap() const { return bootstrap_; }
  Status CreateTopic(const std::string& topic, int partitions);
  // A down broker drops its connections and refuses new ones until it is up again.
  Status SetBrokerDown(int broker_id);
  Status SetBrokerUp(int broker_id);
  int brokers() const { return brokers_; }

 private:
  struct Impl;
  explicit MockCluster(std::unique_ptr<Impl> impl, std::string bootstrap, int brokers);
  std::unique_ptr<Impl> impl_;
  std::string bootstrap_;
  int brokers_;
};

}  // namespace cairn::kafka

#endif  // CAIRN_ENGINE_KAFKA_MOCK_CLUSTER_H_
