#include "tests/testing/kafka_reader.h"

#include <librdkafka/rdkafka.h>

#include <map>

namespace cairn::testing {

std::vector<KafkaMessage> ReadTopics(const std::string& bootstrap, const std::vector<std::string>& topics,
                                     size_t at_least, std::chrono::milliseconds timeout) {
  std::vector<KafkaMessage> messages;
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error));
  rd_kafka_conf_set(conf, "group.id", "cairn-test-reader", error, sizeof(error));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof(error));
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
  if (consumer == nullptr) return messages;
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(16);
  for (const std::string& topic : topics) {
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_topic_t* handle = rd_kafka_topic_new(consumer, topic.c_str(), nullptr);
    if (rd_kafka_metadata(consumer, 0, handle, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int t = 0; t < metadata->topic_cnt; ++t) {
        for (int p = 0; p < metadata->topics[t].partition_cnt; ++p) {
          rd_kafka_topic_partition_list_add(assignment, topic.c_str(), metadata->topics[t].partitions[p].id)->offset =
              RD_KAFKA_OFFSET_BEGINNING;
        }
      }
      rd_kafka_metadata_destroy(metadata);
    }
    rd_kafka_topic_destroy(handle);
  }
  rd_kafka_assign(consumer, assignment);
  // Read up to each partition's end as it is once `at_least` messages arrived:
  // a count alone would stop early when the topics hold duplicates.
  std::map<std::pair<std::string, int32_t>, int64_t> ends, next;
  auto reached_ends = [&] {
    if (ends.empty()) {
      for (int i = 0; i < assignment->cnt; ++i) {
        int64_t low = 0, high = 0;
        rd_kafka_query_watermark_offsets(consumer, assignment->elems[i].topic, assignment->elems[i].partition, &low,
                                         &high, 5000);
        ends[{assignment->elems[i].topic, assignment->elems[i].partition}] = high;
      }
    }
    for (const auto& [partition, end] : ends) {
      if (next[partition] < end) return false;
    }
    return true;
  };
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while ((messages.size() < at_least || !reached_ends()) && std::chrono::steady_clock::now() < give_up) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      KafkaMessage& message = messages.emplace_back();
      message.topic = rd_kafka_topic_name(m->rkt);
      next[{message.topic, m->partition}] = m->offset + 1;
      message.partition = m->partition;
      message.offset = m->offset;
      message.key.assign(static_cast<const char*>(m->key), m->key_len);
      message.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          message.headers[name] = std::string(static_cast<const char*>(value), size);
        }
      }
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_topic_partition_list_destroy(assignment);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return messages;
}

bool WriteMessage(const std::string& bootstrap, const std::string& topic, int32_t partition,
                  const std::string& value) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error));
  rd_kafka_resp_err_t delivered = RD_KAFKA_RESP_ERR__TIMED_OUT;
  rd_kafka_conf_set_opaque(conf, &delivered);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    *static_cast<rd_kafka_resp_err_t*>(opaque) = message->err;
  });
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (producer == nullptr) return false;
  const rd_kafka_resp_err_t queued =
      rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (queued == RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_flush(producer, 10'000);  // runs the delivery callback
  rd_kafka_destroy(producer);
  return queued == RD_KAFKA_RESP_ERR_NO_ERROR && delivered == RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace cairn::testing
