// Helpers shared by the store tests.
#ifndef CAIRN_TESTS_STORE_STORE_TEST_UTIL_H_
#define CAIRN_TESTS_STORE_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "store/event_store.h"

namespace cairn::testing {

inline EventData JsonEvent(std::string type, std::string data = "{}", std::optional<Uuid> id = std::nullopt) {
  EventData event;
  event.event_id = id;
  event.type = std::move(type);
  event.data = std::move(data);
  return event;
}

// Appends one event and fails the test when the append fails.
inline AppendedEvent MustAppend(EventStore& store, const std::string& stream, std::string type,
                                ExpectedVersion expected = ExpectedVersion::Any()) {
  Result<AppendResult> result = store.Append(stream, expected, {JsonEvent(std::move(type))});
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? result->events.front() : AppendedEvent{};
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_STORE_STORE_TEST_UTIL_H_
