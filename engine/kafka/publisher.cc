#include "engine/kafka/publisher.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include "engine/kafka/internal/publisher_driver.h"
#include "engine/kafka/internal/publisher_impl.h"
#include "store/event_record.h"

namespace cairn::kafka {
std::string_view PublisherStateName(PublisherState state) {
  switch (state) {
    case PublisherState::kStarting: return "starting";
    case PublisherState::kRunning: return "running";
    case PublisherState::kBrokersDown: return "brokers_down";
    case PublisherState::kFailed: return "failed";
    case PublisherState::kStopped: return "stopped";
    case PublisherState::kStoreUnavailable: return "store_unavailable";
  }
  return "unknown";
}

Publisher::Impl::Impl(Publisher& p, EventStore& s, KafkaOptions o, MetricsRegistry* metrics)
    : self(p), store(s), options(std::move(o)) {
  if (metrics == nullptr) return;
  if (auto g = metrics->AddGauge("cairn_kafka_publisher_lag_events", "Events in the store not yet confirmed by Kafka."); g.ok()) lag_gauge = *g;
  if (auto g = metrics->AddGauge("cairn_kafka_publisher_state",
                                 "0 starting, 1 running, 2 brokers down, 3 failed, 4 stopped, 5 store unavailable.");
      g.ok()) {
    state_gauge = *g;
  }
  if (auto c = metrics->AddCounter("cairn_kafka_published_total", "Deliveries confirmed by Kafka."); c.ok()) published_total = *c;
}

Publisher::Impl::~Impl() {
  if (producer) rd_kafka_destroy(producer);  // before the pipe it writes to closes
}

Status Publisher::Impl::CreateProducer() {
  char message[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& name, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), message, sizeof(message)) != RD_KAFKA_CONF_OK) {
      return InvalidArgumentError("Kafka property " + name + "=" + value + ": " + message);
    }
    return OkStatus();
  };
  std::vector<std::pair<std::string, std::string>> properties = {
      {"bootstrap.servers", bootstrap},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.type", options.compression},
      // An outage holds messages until the brokers return instead of failing them.
      {"message.timeout.ms", "0"},
      {"queue.buffering.max.messages", std::to_string(options.max_in_flight + kPageSize)},
      {"linger.ms", "5"},
  };
  for (const auto& [name, value] : options.properties) properties.emplace_back(name, value);
  for (const auto& [name, value] : properties) {
    if (Status status = set(name, value); !status.ok()) {
      rd_kafka_conf_destroy(conf);
      return status;
    }
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    static_cast<Impl*>(opaque)->OnDelivered(reinterpret_cast<uintptr_t>(m->_private), m->err);
  });
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int code, const char* reason, void* opaque) {
    static_cast<Impl*>(opaque)->OnError(code, reason);
  });
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* facility, const char* text) {
    spdlog::debug("librdkafka {} {}: {}", level, facility, text);
  });
  producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, message, sizeof(message));
  if (producer == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgumentError(std::string("cannot create the Kafka producer: ") + message);
  }
  return OkStatus();
}

void Publisher::Impl::SetState(PublisherState next, const std::string& why, std::optional<PublisherState> only_from) {
  {
    std::lock_guard lock(mu);
    if (state == next || state == PublisherState::kFailed) return;
    if (only_from && state != *only_from) return;
    state = next;
    if (next == PublisherState::kFailed) error = why;
  }
  if (state_gauge) state_gauge->Set(static_cast<double>(next));
  // Once per change of state, not once per message.
  if (next == PublisherState::kBrokersDown || next == PublisherState::kFailed ||
      next == PublisherState::kStoreUnavailable) {
    spdlog::warn("kafka publisher {}: {}", PublisherStateName(next), why);
  } else {
    spdlog::info("kafka publisher {}", PublisherStateName(next));
  }
  switch (next) {
    case PublisherState::kRunning: return self.ReportUp();
    case PublisherState::kBrokersDown:
    case PublisherState::kStoreUnavailable: return self.ReportDown(std::string(PublisherStateName(next)) + ": " + why);
    case PublisherState::kFailed: return self.ReportFailed(why);
    case PublisherState::kStarting:
    case PublisherState::kStopped: return;
  }
}

void Publisher::Impl::OnDelivered(uint64_t position, rd_kafka_resp_err_t result) {
  if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // The checkpoint stays below this event: it is sent again after a restart.
    SetState(PublisherState::kFailed,
             "delivery of global position " + std::to_string(position) + " failed: " + rd_kafka_err2str(result));
    return;
  }
  window.Confirmed(position);
  {
    std::lock_guard lock(mu);
    ++published;
  }
  if (published_total) published_total->Increment();
  SetState(PublisherState::kRunning);
}

void Publisher::Impl::OnError(int code, const char* reason) {
  const auto kind = static_cast<rd_kafka_resp_err_t>(code);
  if (kind == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    rd_kafka_fatal_error(producer, fatal, sizeof(fatal));
    SetState(PublisherState::kFailed, fatal);
  } else if (kind == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    SetState(PublisherState::kBrokersDown, reason);
  }
}

void Publisher::Impl::Publish() {
  const uint64_t checkpoint = window.checkpoint();
  const uint64_t head = store.HeadPosition();
  if (lag_gauge) lag_gauge->Set(static_cast<double>(head > checkpoint ? head - checkpoint : 0));
  std::lock_guard lock(mu);
  if (checkpoint != confirmed) {
    confirmed = checkpoint;
    progressed.notify_all();
  }
}

Status Publisher::Impl::SaveCheckpoint() {
  uint64_t checkpoint;
  {
    std::lock_guard lock(mu);
    checkpoint = confirmed;
    if (checkpoint == saved) return OkStatus();
  }
  Checkpoint record;
  record.position = checkpoint;
  CAIRN_RETURN_IF_ERROR(store.SaveCheckpoint(options.checkpoint_name, record));
  std::lock_guard lock(mu);
  saved = checkpoint;
  return OkStatus();
}

bool Publisher::Impl::checkpoint_unsaved() const {
  std::lock_guard lock(mu);
  return confirmed != saved;
}

bool Publisher::Impl::failed() const {
  std::lock_guard lock(mu);
  return state == PublisherState::kFailed;
}

void Publisher::Impl::PrepareTopic(const std::string& topic) {
  if (mock) (void)mock->CreateTopic(topic, options.mock_partitions);
  // Without the topic's partitions known, librdkafka parks messages for up
  // to a second until its next metadata refresh; ask for them now.
  rd_kafka_topic_t* handle = rd_kafka_topic_new(producer, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(producer, 0, handle, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(metadata);
  }
  rd_kafka_topic_destroy(handle);
}

Status Publisher::Impl::Produce(std::string_view record) {
  CAIRN_ASSIGN_OR_RETURN(RecordHeaders event, PeekEventRecord(record));
  const std::string_view category = CategoryOf(event.stream);
  if (category != last_category) {
    last_category = category;
    last_topic = TopicFor(options, category);
    if (known_topics.insert(last_topic).second) PrepareTopic(last_topic);
  }
  const std::string position = std::to_string(event.position);
  const std::string event_id = event.event_id.ToString();
  rd_kafka_headers_t* headers = rd_kafka_headers_new(6);
  auto add = [headers](const char* name, std::string_view value) {
    rd_kafka_header_add(headers, name, -1, value.data(), static_cast<ssize_t>(value.size()));
  };
  add("type", event.type);
  add("content_type", event.content_type);
  add("position", position);
  add("event_id", event_id);
  add("correlation_id", event.correlation_id);
  if (!event.traceparent.empty()) add("traceparent", event.traceparent);
  rd_kafka_resp_err_t produced = rd_kafka_producev(
      producer, RD_KAFKA_V_TOPIC(last_topic.c_str()), RD_KAFKA_V_KEY(event.stream.data(), event.stream.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(record.data()), record.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_HEADERS(headers),
      RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(event.position))), RD_KAFKA_V_END);
  // On success the message owns the headers; on failure they are still ours.
  if (produced != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(headers);
  if (produced == RD_KAFKA_RESP_ERR__QUEUE_FULL) return ResourceExhaustedError("librdkafka's queue is full");
  if (produced != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return UnavailableError("cannot send global position " + position + ": " + rd_kafka_err2str(produced));
  }
  if (!window.Sent(event.position)) {
    return InternalError("global position " + position + " does not follow " + std::to_string(window.last_sent()));
  }
  return OkStatus();
}

Publisher::Publisher(EventStore& store, KafkaOptions options, MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(*this, store, std::move(options), metrics)) {}

Publisher::~Publisher() { (void)Stop(); }

Status Publisher::Start(Runtime& runtime) {
  Impl& impl = *impl_;
  impl.bootstrap = impl.options.brokers;
  if (impl.bootstrap.empty()) {
    CAIRN_ASSIGN_OR_RETURN(impl.mock, MockCluster::Start(impl.options.mock_brokers));
    impl.bootstrap = impl.mock->bootstrap();
    spdlog::info("embedded Kafka mock cluster at {}", impl.bootstrap);
  }
  CAIRN_RETURN_IF_ERROR(impl.CreateProducer());
  if (!impl.events) {
    CAIRN_ASSIGN_OR_RETURN(impl.events, EventPipe::Open());
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_get_main(impl.producer);
  rd_kafka_queue_io_event_enable(queue, impl.events->write_fd(), "!", 1);
  rd_kafka_queue_destroy(queue);
  CAIRN_ASSIGN_OR_RETURN(std::optional<Checkpoint> checkpoint, impl.store.LoadCheckpoint(impl.options.checkpoint_name));
  impl.confirmed = impl.saved = checkpoint ? checkpoint->position : 0;
  impl.window = internal::DeliveryWindow(impl.confirmed);
  impl.SetState(PublisherState::kRunning);
  driver_ = std::make_shared<Driver>(impl, runtime);
  driver_->Begin();
  return OkStatus();
}

Status Publisher::Stop() {
  Impl& impl = *impl_;
  if (!driver_) return OkStatus();
  driver_->End();
  driver_.reset();
  // Nobody waits on the pipe now.
  rd_kafka_queue_t* queue = rd_kafka_queue_get_main(impl.producer);
  rd_kafka_queue_io_event_enable(queue, -1, nullptr, 0);
  rd_kafka_queue_destroy(queue);
  rd_kafka_flush(impl.producer, 10000);  // serves the last delivery reports
  impl.Publish();
  Status saved = impl.SaveCheckpoint();
  impl.SetState(PublisherState::kStopped);
  if (impl.window.in_flight() > 0) {
    spdlog::warn("kafka publisher stopped with {} deliveries unconfirmed", impl.window.in_flight());
  }
  return saved;
}

std::string Publisher::bootstrap() const { return impl_->bootstrap; }
MockCluster* Publisher::mock() const { return impl_->mock.get(); }

PublisherStatus Publisher::status() const {
  std::lock_guard lock(impl_->mu);
  PublisherStatus status;
  status.state = impl_->state;
  status.checkpoint = impl_->confirmed;
  status.head = impl_->store.HeadPosition();
  status.published = impl_->published;
  status.error = impl_->error;
  return status;
}

bool Publisher::WaitForCheckpoint(uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->progressed.wait_for(lock, timeout, [&] { return impl_->confirmed >= position; });
}

}  // namespace cairn::kafka
