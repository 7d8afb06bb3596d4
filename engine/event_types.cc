#include "engine/event_types.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <set>

namespace cairn {
namespace {

// An upcaster chain longer than this is taken for a cycle.
constexpr int kMaxUpcasts = 64;

void AddFile(const google::protobuf::FileDescriptor* file, std::set<std::string>& seen,
             google::protobuf::FileDescriptorSet& set) {
  if (!seen.insert(file->name()).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) AddFile(file->dependency(i), seen, set);
  file->CopyTo(set.add_file());
}

}  // namespace

std::string DescriptorSetOf(const google::protobuf::Descriptor& descriptor) {
  google::protobuf::FileDescriptorSet set;
  std::set<std::string> seen;
  AddFile(descriptor.file(), seen, set);
  return set.SerializeAsString();
}

void EventTypeRegistry::Register(const google::protobuf::Message& prototype, uint32_t schema_version) {
  by_full_name_[prototype.GetDescriptor()->full_name()] = {&prototype, schema_version};
}

google::protobuf::Message& DecodeScratch::For(const google::protobuf::Message& prototype) {
  std::unique_ptr<google::protobuf::Message>& kept = kept_[&prototype];
  if (!kept) kept.reset(prototype.New());
  return *kept;
}

void EventTypeRegistry::AddUpcaster(std::string type, uint32_t from_schema_version, Upcaster upcaster) {
  upcasters_[std::move(type)][from_schema_version] = std::move(upcaster);
}

const EventTypeRegistry::Upcaster* EventTypeRegistry::UpcasterOf(std::string_view type, uint32_t schema_version) const {
  auto by_type = upcasters_.find(type);
  if (by_type == upcasters_.end()) return nullptr;
  auto it = by_type->second.find(schema_version);
  return it == by_type->second.end() ? nullptr : &it->second;
}

Result<EventData> EventTypeRegistry::Encode(const google::protobuf::Message& message) const {
  const auto* descriptor = message.GetDescriptor();
  auto it = by_full_name_.find(descriptor->full_name());
  if (it == by_full_name_.end()) {
    return InternalError("event type " + descriptor->full_name() + " is not registered");
  }
  EventData data;
  data.type = descriptor->name();
  data.content_type = descriptor->full_name();
  data.schema_version = it->second.schema_version;
  if (!message.SerializeToString(&data.data)) {
    return InvalidArgumentError("event " + descriptor->full_name() + " does not serialize");
  }
  return data;
}

Result<RecordedEvent> EventTypeRegistry::Upcast(RecordedEvent event) const {
  for (int step = 0; step < kMaxUpcasts; ++step) {
    const Upcaster* upcaster = UpcasterOf(event.type, event.schema_version);
    if (!upcaster) return event;
    const std::string type = event.type;
    const uint32_t schema_version = event.schema_version;
    const std::string before = type + " v" + std::to_string(schema_version);
    const uint64_t position = event.position;
    Result<RecordedEvent> upcast = InternalError("");
    try {
      upcast = (*upcaster)(std::move(event));
    } catch (const std::exception& error) {
      // An upcaster reads what was stored, whatever it is: nothing it throws may escape.
      return DataLossError(before + " at global position " + std::to_string(position) +
                           " cannot be upcast: " + error.what());
    }
    CAIRN_ASSIGN_OR_RETURN(RecordedEvent next, std::move(upcast));
    if (next.type == type && next.schema_version <= schema_version) {
      return InternalError("the upcaster of " + before + " did not raise the schema version");
    }
    event = std::move(next);
  }
  return InternalError("upcasters of " + event.type + " form a cycle");
}

Result<std::unique_ptr<google::protobuf::Message>> EventTypeRegistry::Decode(const RecordedEvent& stored) const {
  // Most events have their current shape: parse them without a copy.
  if (UpcasterOf(stored.type, stored.schema_version)) {
    CAIRN_ASSIGN_OR_RETURN(RecordedEvent event, Upcast(stored));
    return Decode(event);
  }
  CAIRN_ASSIGN_OR_RETURN(const Type* type, TypeOf(stored));
  std::unique_ptr<google::protobuf::Message> message(type->prototype->New());
  CAIRN_RETURN_IF_ERROR(Parse(stored, *message));
  return message;
}

Result<const google::protobuf::Message*> EventTypeRegistry::Decode(const RecordedEvent& stored,
                                                                   DecodeScratch& scratch) const {
  if (UpcasterOf(stored.type, stored.schema_version)) {
    CAIRN_ASSIGN_OR_RETURN(RecordedEvent event, Upcast(stored));
    return Decode(event, scratch);
  }
  CAIRN_ASSIGN_OR_RETURN(const Type* type, TypeOf(stored));
  google::protobuf::Message& message = scratch.For(*type->prototype);
  CAIRN_RETURN_IF_ERROR(Parse(stored, message));
  return &message;
}

Result<const EventTypeRegistry::Type*> EventTypeRegistry::TypeOf(const RecordedEvent& event) const {
  auto it = by_full_name_.find(event.content_type);
  if (it == by_full_name_.end()) {
    if (event.content_type == kJsonContentType) {
      // Appended by hand as JSON, in a shape no upcaster reads: stored as given, never decodable.
      return DataLossError(event.type + " v" + std::to_string(event.schema_version) + " at global position " +
                           std::to_string(event.position) + " is JSON, and no upcaster reads that shape");
    }
    return InternalError("event type " + event.content_type + " at global position " +
                         std::to_string(event.position) + " is not registered");
  }
  return &it->second;
}

Status EventTypeRegistry::Parse(const RecordedEvent& event, google::protobuf::Message& message) {
  if (!message.ParseFromString(event.data)) {  // clears what the message held
    return DataLossError("event at global position " + std::to_string(event.position) + " does not parse as " +
                         event.content_type);
  }
  return OkStatus();
}

Status EventTypeRegistry::SaveSchemas(EventStore& store) const {
  for (const auto& [name, type] : by_full_name_) {
    const std::string schema = DescriptorSetOf(*type.prototype->GetDescriptor());
    // A read is cheap and a save is a synced write: save only what changed.
    CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> stored, store.LoadSchema(name));
    if (stored && *stored == schema) continue;
    CAIRN_RETURN_IF_ERROR(store.SaveSchema(name, schema));
  }
  return OkStatus();
}

}  // namespace cairn
