#include "tools/cairn/event_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "engine/message_json.h"

namespace cairn::cli {

struct PayloadRenderer::Schema {
  std::unique_ptr<google::protobuf::DescriptorPool> pool;  // null for types compiled into the tool
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory;
  const google::protobuf::Message* prototype = nullptr;
};

PayloadRenderer::PayloadRenderer(EventStore& store) : store_(store) {}
PayloadRenderer::~PayloadRenderer() = default;

const PayloadRenderer::Schema* PayloadRenderer::SchemaFor(const std::string& type_name) {
  auto [it, inserted] = schemas_.try_emplace(type_name);
  if (!inserted) return it->second.get();
  // Types compiled into the tool (the commerce events) need no stored schema.
  if (const auto* known = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type_name)) {
    it->second = std::make_unique<Schema>();
    it->second->prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(known);
    return it->second.get();
  }
  auto stored = store_.LoadSchema(type_name);
  if (!stored.ok() || !stored->has_value()) return nullptr;
  google::protobuf::FileDescriptorSet files;
  if (!files.ParseFromString(**stored)) return nullptr;
  auto schema = std::make_unique<Schema>();
  schema->pool = std::make_unique<google::protobuf::DescriptorPool>();
  for (const auto& file : files.file()) {
    if (schema->pool->BuildFile(file) == nullptr) return nullptr;
  }
  const auto* descriptor = schema->pool->FindMessageTypeByName(type_name);
  if (descriptor == nullptr) return nullptr;
  schema->factory = std::make_unique<google::protobuf::DynamicMessageFactory>(schema->pool.get());
  schema->prototype = schema->factory->GetPrototype(descriptor);
  it->second = std::move(schema);
  return it->second.get();
}

std::string PayloadRenderer::Render(const RecordedEvent& event) {
  if (event.content_type == kJsonContentType) {
    constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
    // Whatever is stored: too deep to parse safely or not JSON, it prints as a string.
    if (JsonNestingDepth(event.data) > kMaxJsonDepth) return nlohmann::json(event.data).dump(-1, ' ', false, kReplace);
    if (event.data.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos &&
        nlohmann::json::accept(event.data)) {
      return event.data;
    }
    auto parsed = nlohmann::ordered_json::parse(event.data, nullptr, /*allow_exceptions=*/false);
    return (parsed.is_discarded() ? nlohmann::ordered_json(event.data) : parsed).dump(-1, ' ', false, kReplace);
  }
  if (const Schema* schema = SchemaFor(event.content_type)) {
    std::unique_ptr<google::protobuf::Message> message(schema->prototype->New());
    if (message->ParseFromString(event.data)) {
      if (Result<std::string> json = MessageToJson(*message); json.ok()) return *std::move(json);
    }
  }
  return nlohmann::json{{"base64", Base64(event.data)}}.dump();
}


Result<EventData> JsonEvent(std::string type, std::string data) {
  // Depth first: a parser recurses on nesting, so deep input must not reach it.
  if (JsonNestingDepth(data) > kMaxJsonDepth) {
    return InvalidArgumentError("the event data nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (data.find('\0') != std::string::npos) return InvalidArgumentError("the event data holds a NUL byte");
  if (!nlohmann::json::accept(data)) return InvalidArgumentError("the event data is not valid JSON");
  EventData event;
  event.type = std::move(type);
  event.data = std::move(data);
  return event;
}

std::string EventJsonLine(const RecordedEvent& event, PayloadRenderer& renderer) {
  nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
  for (const auto& [key, value] : event.metadata) metadata[key] = value;
  nlohmann::ordered_json line;
  line["position"] = event.position;
  line["stream"] = event.stream;
  line["version"] = event.version;
  line["type"] = event.type;
  line["event_id"] = event.event_id.ToString();
  line["recorded_at"] = FormatTimestamp(event.recorded_at_us);
  line["metadata"] = metadata;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.pop_back();  // the closing brace: data goes last, spliced in as rendered
  text += ",\"data\":";
  text += renderer.Render(event);
  text += '}';
  return text;
}

}  // namespace cairn::cli
