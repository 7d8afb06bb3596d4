#include "store/event_store.h"

#include <cstdio>
#include <ctime>

namespace cairn {

std::string_view CategoryOf(std::string_view stream) {
  size_t dash = stream.find('-');
  return dash == std::string_view::npos ? stream : stream.substr(0, dash);
}

std::string FormatTimestamp(int64_t micros) {
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc;
  gmtime_r(&seconds, &utc);
  char text[40];
  size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof(text) - n, ".%06lldZ", static_cast<long long>(micros % 1000000));
  return text;
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
