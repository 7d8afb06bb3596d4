// EventTypeRegistry: the protobuf event types an engine knows, their schema
// versions and upcasters, and the conversions between messages and records.
//
// Thread safety: register everything before use; after that, const methods
// may be called from any thread.
#ifndef CAIRN_ENGINE_EVENT_TYPES_H_
#define CAIRN_ENGINE_EVENT_TYPES_H_

#include <google/protobuf/message.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "store/event_store.h"

namespace cairn {

class EventTypeRegistry {
 public:
  // Turns an event of one (type, schema version) into its next shape; the
  // result must carry a higher schema version, or another type.
  using Upcaster = std::function<Result<RecordedEvent>(RecordedEvent)>;

  // T is an event type whose current shape is `schema_version`. The stored
  // `type` is the message name ("OrderPlaced"), the content type its full name.
  template <typename T>
  void Register(uint32_t schema_version = 1) {
    Register(T::default_instance(), schema_version);
  }
  void Register(const google::protobuf::Message& prototype, uint32_t schema_version);
  void AddUpcaster(std::string type, uint32_t from_schema_version, Upcaster upcaster);

  // The record fields for appending `message`, without id or metadata.
  // FailedPrecondition when its type is not registered.
  Result<EventData> Encode(const google::protobuf::Message& message) const;

  // Applies upcasters until the event has its current shape.
  Result<RecordedEvent> Upcast(RecordedEvent event) const;
  // Upcasts, then parses. FailedPrecondition for an unregistered type,
  // DataLoss when the payload does not parse.
  Result<std::unique_ptr<google::protobuf::Message>> Decode(const RecordedEvent& event) const;

  // Saves the descriptor set of every registered type, so tools render payloads.
  Status SaveSchemas(EventStore& store) const;

 private:
  // Parses an event already in its current shape.
  Result<std::unique_ptr<google::protobuf::Message>> Parse(const RecordedEvent& event) const;

  struct Type {
    const google::protobuf::Message* prototype;
    uint32_t schema_version;
  };
  std::map<std::string, Type, std::less<>> by_full_name_;
  std::map<std::pair<std::string, uint32_t>, Upcaster> upcasters_;
};

// The descriptor set of `descriptor`'s file and all it imports, in dependency order.
std::string DescriptorSetOf(const google::protobuf::Descriptor& descriptor);

}  // namespace cairn

#endif  // CAIRN_ENGINE_EVENT_TYPES_H_
