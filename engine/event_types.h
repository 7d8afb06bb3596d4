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
#include <string_view>
#include <unordered_map>
#include <utility>

#include "store/event_store.h"
#include "store/string_hash.h"

namespace cairn {

// Messages that one thread decodes into again and again: parsing into a
// kept message reuses its memory. For code that decodes every event of a
// log, such as a projector. Not thread-safe.
class DecodeScratch {
 public:
  // The kept message of `prototype`'s type, made on first use.
  google::protobuf::Message& For(const google::protobuf::Message& prototype);

 private:
  std::unordered_map<const google::protobuf::Message*, std::unique_ptr<google::protobuf::Message>> kept_;
};

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
  // Internal when its type is not registered (a programming error).
  Result<EventData> Encode(const google::protobuf::Message& message) const;

  // Applies upcasters until the event has its current shape. DataLoss when an
  // upcaster cannot read the stored event (nothing an upcaster throws escapes).
  Result<RecordedEvent> Upcast(RecordedEvent event) const;
  // Upcasts, then parses. Internal for an unregistered protobuf type (a
  // programming error); DataLoss when the payload does not parse, or is JSON
  // that no upcaster reads.
  Result<std::unique_ptr<google::protobuf::Message>> Decode(const RecordedEvent& event) const;
  // As above, into `scratch`'s message of the type: valid until the next
  // decode of that type into the same scratch.
  Result<const google::protobuf::Message*> Decode(const RecordedEvent& event, DecodeScratch& scratch) const;

  // Saves the descriptor set of every registered type, so tools render
  // payloads; a schema the store holds unchanged is not written again.
  Status SaveSchemas(EventStore& store) const;

 private:
  struct Type {
    const google::protobuf::Message* prototype;
    uint32_t schema_version;
  };
  // The registered type of an event already in its current shape.
  Result<const Type*> TypeOf(const RecordedEvent& event) const;
  static Status Parse(const RecordedEvent& event, google::protobuf::Message& message);
  // The upcaster of (type, schema version), or null.
  const Upcaster* UpcasterOf(std::string_view type, uint32_t schema_version) const;

  // Looked up for every event decoded: hashed, as full names share long prefixes.
  std::unordered_map<std::string, Type, StringHash, std::equal_to<>> by_full_name_;
  // By type, then by the schema version they upcast from.
  std::map<std::string, std::map<uint32_t, Upcaster>, std::less<>> upcasters_;
};

// The descriptor set of `descriptor`'s file and all it imports, in dependency order.
std::string DescriptorSetOf(const google::protobuf::Descriptor& descriptor);

}  // namespace cairn

#endif  // CAIRN_ENGINE_EVENT_TYPES_H_
