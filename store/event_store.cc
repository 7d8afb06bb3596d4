#include "store/event_store.h"

namespace cairn {

std::string_view CategoryOf(std::string_view stream) {
  size_t dash = stream.find('-');
  return dash == std::string_view::npos ? stream : stream.substr(0, dash);
}

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny: return "any";
    case Kind::kNoStream: return "no-stream";
    case Kind::kStreamExists: return "exists";
    case Kind::kExact: return std::to_string(version_);
  }
  return "?";
}

Result<AppendResult> EventStore::Append(std::string stream, ExpectedVersion expected,
                                        std::vector<EventData> events) {
  std::vector<StreamAppend> appends(1);
  appends[0].stream = std::move(stream);
  appends[0].expected = expected;
  appends[0].events = std::move(events);
  return Append(appends);
}

}  // namespace cairn
