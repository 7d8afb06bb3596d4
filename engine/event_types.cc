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

void EventTypeRegistry::AddUpcaster(std::string type, uint32_t from_schema_version, Upcaster upcaster) {
  upcasters_[{std::move(type), from_schema_version}] = std::move(upcaster);
}

Result<EventData> EventTypeRegistry::Encode(const google::protobuf::Message& message) const {
  const auto* descriptor = message.GetDescriptor();
  auto it = by_full_name_.find(descriptor->full_name());
  if (it == by_full_name_.end()) {
    return FailedPreconditionError("event type " + descriptor->full_name() + " is not registered");
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
    auto it = upcasters_.find({event.type, event.schema_version});
    if (it == upcasters_.end()) return event;
    const std::string before = event.type + " v" + std::to_string(event.schema_version);
    CAIRN_ASSIGN_OR_RETURN(RecordedEvent next, it->second(std::move(event)));
    if (next.type == it->first.first && next.schema_version <= it->first.second) {
      return InternalError("the upcaster of " + before + " did not raise the schema version");
    }
    event = std::move(next);
  }
  return InternalError("upcasters of " + event.type + " form a cycle");
}

Result<std::unique_ptr<google::protobuf::Message>> EventTypeRegistry::Decode(const RecordedEvent& stored) const {
  // Most events have their current shape: parse them without a copy.
  if (upcasters_.find({stored.type, stored.schema_version}) == upcasters_.end()) return Parse(stored);
  CAIRN_ASSIGN_OR_RETURN(RecordedEvent event, Upcast(stored));
  return Parse(event);
}

Result<std::unique_ptr<google::protobuf::Message>> EventTypeRegistry::Parse(const RecordedEvent& event) const {
  auto it = by_full_name_.find(event.content_type);
  if (it == by_full_name_.end()) {
    return FailedPreconditionError("event type " + event.content_type + " at global position " +
                                   std::to_string(event.position) + " is not registered");
  }
  std::unique_ptr<google::protobuf::Message> message(it->second.prototype->New());
  if (!message->ParseFromString(event.data)) {
    return DataLossError("event at global position " + std::to_string(event.position) + " does not parse as " +
                         event.content_type);
  }
  return message;
}

Status EventTypeRegistry::SaveSchemas(EventStore& store) const {
  for (const auto& [name, type] : by_full_name_) {
    CAIRN_RETURN_IF_ERROR(store.SaveSchema(name, DescriptorSetOf(*type.prototype->GetDescriptor())));
  }
  return OkStatus();
}

}  // namespace cairn
