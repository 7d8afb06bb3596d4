// Events as JSON: what `cairn append` takes, and the JSON Lines that
// `cairn read` and `cairn replay` print.
#ifndef CAIRN_TOOLS_CAIRN_EVENT_JSON_H_
#define CAIRN_TOOLS_CAIRN_EVENT_JSON_H_

#include <map>
#include <memory>
#include <string>

#include "store/event_store.h"

namespace google::protobuf {
class DescriptorPool;
class DynamicMessageFactory;
}  // namespace google::protobuf

namespace cairn::cli {

// Renders payloads as JSON: JSON payloads as stored, protobuf payloads of the
// types compiled into the tool or through the descriptor set the store holds
// for their type, anything else as base64.
class PayloadRenderer {
 public:
  explicit PayloadRenderer(EventStore& store);
  ~PayloadRenderer();

  // The payload as JSON text on one line. JSON payloads come out as stored
  // unless they span lines, which JSON Lines cannot hold.
  std::string Render(const RecordedEvent& event);

 private:
  struct Schema;
  const Schema* SchemaFor(const std::string& type_name);

  EventStore& store_;
  std::map<std::string, std::unique_ptr<Schema>> schemas_;  // null: none stored
};

// The event `cairn append` writes: `data` is JSON text (InvalidArgument
// when it is not, nests too deeply or holds a NUL byte). No event id yet.
Result<EventData> JsonEvent(std::string type, std::string data);

// One line: position, stream, version, type, event_id, recorded_at, metadata, data.
std::string EventJsonLine(const RecordedEvent& event, PayloadRenderer& renderer);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CAIRN_EVENT_JSON_H_
