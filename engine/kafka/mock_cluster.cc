#include "engine/kafka/mock_cluster.h"

// rdkafka_mock.h must follow rdkafka.h.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>

namespace cairn::kafka {

struct MockCluster::Impl {
  rd_kafka_t* host = nullptr;  // the mock cluster lives in this client's threads
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Impl() {
    if (cluster) rd_kafka_mock_cluster_destroy(cluster);
    if (host) rd_kafka_destroy(host);
  }
};

MockCluster::MockCluster(std::unique_ptr<Impl> impl, std::string bootstrap, int brokers)
    : impl_(std::move(impl)), bootstrap_(std::move(bootstrap)), brokers_(brokers) {}

MockCluster::~MockCluster() = default;

Result<std::unique_ptr<MockCluster>> MockCluster::Start(int brokers) {
  if (brokers < 1) return InvalidArgumentError("a mock cluster needs at least one broker");
  auto impl = std::make_unique<Impl>();
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The host client never connects anywhere; it only runs the mock brokers.
  rd_kafka_conf_set(conf, "log_level", "0", error, sizeof(error));
  impl->host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (impl->host == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InternalError(std::string("cannot start the mock cluster: ") + error);
  }
  impl->cluster = rd_kafka_mock_cluster_new(impl->host, brokers);
  if (impl->cluster == nullptr) return InternalError("cannot start the mock cluster");
  std::string bootstrap = rd_kafka_mock_cluster_bootstraps(impl->cluster);
  return std::unique_ptr<MockCluster>(new MockCluster(std::move(impl), std::move(bootstrap), brokers));
}

Status MockCluster::CreateTopic(const std::string& topic, int partitions) {
  rd_kafka_resp_err_t error =
      rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, std::min(brokers_, 3));
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    return InternalError("cannot create topic " + topic + ": " + rd_kafka_err2str(error));
  }
  return OkStatus();
}

Status MockCluster::SetBrokerDown(int broker_id) {
  rd_kafka_resp_err_t error = rd_kafka_mock_broker_set_down(impl_->cluster, broker_id);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) return InvalidArgumentError(rd_kafka_err2str(error));
  return OkStatus();
}

Status MockCluster::SetBrokerUp(int broker_id) {
  rd_kafka_resp_err_t error = rd_kafka_mock_broker_set_up(impl_->cluster, broker_id);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) return InvalidArgumentError(rd_kafka_err2str(error));
  return OkStatus();
}

}  // namespace cairn::kafka
