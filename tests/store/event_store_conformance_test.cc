// The EventStore contract, run against every implementation: the RocksDB
// store in a real data dir and the in-memory store must give the same answers.
#include <gtest/gtest.h>

#include "tests/store/conformance_fixture.h"

namespace cairn {
namespace {

using testing::JsonEvent;
using testing::MustAppend;

TEST_P(EventStoreConformance, NoStreamOnNewStreamStartsAtVersionZeroAndPositionOne) {
  AppendedEvent event = MustAppend(store(), "order-1", "OrderPlaced", ExpectedVersion::NoStream());
  EXPECT_EQ(event.version, 0u);
  EXPECT_EQ(event.position, 1u);
  EXPECT_EQ(event.stream, "order-1");
  EXPECT_EQ(store().HeadPosition(), 1u);
}

TEST_P(EventStoreConformance, NoStreamRejectsExistingStreamNamingItsVersion) {
  MustAppend(store(), "order-1", "OrderPlaced");
  auto result = store().Append("order-1", ExpectedVersion::NoStream(), {JsonEvent("OrderPlaced")});
  ASSERT_EQ(result.status().code(), StatusCode::kAborted);
  EXPECT_NE(result.status().message().find("is at version 0"), std::string::npos) << result.status().message();
  EXPECT_EQ(store().HeadPosition(), 1u);
}

TEST_P(EventStoreConformance, StreamExistsRejectsMissingStreamAndAcceptsExistingOne) {
  auto missing = store().Append("order-1", ExpectedVersion::StreamExists(), {JsonEvent("OrderConfirmed")});
  ASSERT_EQ(missing.status().code(), StatusCode::kAborted);
  EXPECT_NE(missing.status().message().find("does not exist"), std::string::npos);
  MustAppend(store(), "order-1", "OrderPlaced");
  EXPECT_EQ(MustAppend(store(), "order-1", "OrderConfirmed", ExpectedVersion::StreamExists()).version, 1u);
}

TEST_P(EventStoreConformance, ExactVersionAcceptsCurrentAndRejectsStaleWithoutWriting) {
  MustAppend(store(), "order-1", "A");
  MustAppend(store(), "order-1", "B", ExpectedVersion::Exact(0));
  auto stale = store().Append("order-1", ExpectedVersion::Exact(0), {JsonEvent("C")});
  ASSERT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_NE(stale.status().message().find("is at version 1"), std::string::npos) << stale.status().message();
  auto ahead = store().Append("order-1", ExpectedVersion::Exact(5), {JsonEvent("C")});
  EXPECT_EQ(ahead.status().code(), StatusCode::kAborted);
  auto missing = store().Append("order-2", ExpectedVersion::Exact(0), {JsonEvent("C")});
  EXPECT_EQ(missing.status().code(), StatusCode::kAborted);
  EXPECT_EQ(store().HeadPosition(), 2u);
  EXPECT_EQ(store().GetStreamHead("order-1")->last_version, 1u);
}

TEST_P(EventStoreConformance, AnyAppendsWhateverTheStreamState) {
  EXPECT_EQ(MustAppend(store(), "order-1", "A", ExpectedVersion::Any()).version, 0u);
  EXPECT_EQ(MustAppend(store(), "order-1", "B", ExpectedVersion::Any()).version, 1u);
}

TEST_P(EventStoreConformance, RetryWithSameEventIdsReturnsOriginalPositionsAndWritesNothing) {
  MustAppend(store(), "other-1", "X");
  std::vector<EventData> events = {JsonEvent("A", R"({"n":1})", Uuid::Random()),
                                   JsonEvent("B", R"({"n":2})", Uuid::Random())};
  auto first = store().Append("order-1", ExpectedVersion::NoStream(), events);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  MustAppend(store(), "other-1", "Y");
  auto retry = store().Append("order-1", ExpectedVersion::NoStream(), events);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  ASSERT_EQ(retry->events.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(retry->events[i].position, first->events[i].position);
    EXPECT_EQ(retry->events[i].version, first->events[i].version);
    EXPECT_EQ(retry->events[i].event_id, events[i].event_id);
  }
  EXPECT_EQ(store().HeadPosition(), 4u);
  EXPECT_EQ(store().ReadStream("order-1", {})->size(), 2u);
}

TEST_P(EventStoreConformance, SameEventIdWithOtherContentOrStreamIsAlreadyExists) {
  Uuid id = Uuid::Random();
  ASSERT_TRUE(store().Append("order-1", ExpectedVersion::Any(), {JsonEvent("A", "{}", id)}).ok());
  auto other_data = store().Append("order-1", ExpectedVersion::Any(), {JsonEvent("A", R"({"x":1})", id)});
  EXPECT_EQ(other_data.status().code(), StatusCode::kAlreadyExists);
  auto other_stream = store().Append("order-2", ExpectedVersion::Any(), {JsonEvent("A", "{}", id)});
  EXPECT_EQ(other_stream.status().code(), StatusCode::kAlreadyExists);
  auto partial = store().Append("order-1", ExpectedVersion::Any(),
                                {JsonEvent("A", "{}", id), JsonEvent("B", "{}", Uuid::Random())});
  EXPECT_EQ(partial.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store().HeadPosition(), 1u);
}

TEST_P(EventStoreConformance, ReadEventFindsAnEventByItsId) {
  Uuid id = Uuid::Random();
  MustAppend(store(), "order-1", "A");
  ASSERT_TRUE(store().Append("order-1", ExpectedVersion::Any(), {JsonEvent("B", R"({"b":1})", id)}).ok());
  auto event = store().ReadEvent(id);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->position, 2u);
  EXPECT_EQ(event->version, 1u);
  EXPECT_EQ(event->data, R"({"b":1})");
  EXPECT_EQ(store().ReadEvent(Uuid::Random()).status().code(), StatusCode::kNotFound);
}

TEST_P(EventStoreConformance, MultiStreamAppendIsAllOrNothing) {
  MustAppend(store(), "charge-1", "ChargeRequested");
  std::vector<StreamAppend> appends(2);
  appends[0] = {"order-1", ExpectedVersion::NoStream(), {JsonEvent("OrderPlaced")}};
  appends[1] = {"charge-1", ExpectedVersion::NoStream(), {JsonEvent("ChargeRequested")}};
  EXPECT_EQ(store().Append(appends).status().code(), StatusCode::kAborted);
  EXPECT_EQ(store().GetStreamHead("order-1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().HeadPosition(), 1u);

  appends[1].expected = ExpectedVersion::Exact(0);
  appends[0].events.push_back(JsonEvent("OrderConfirmed"));
  auto result = store().Append(appends);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->events.size(), 3u);
  EXPECT_EQ(result->events[0].position, 2u);
  EXPECT_EQ(result->events[1].position, 3u);
  EXPECT_EQ(result->events[2].stream, "charge-1");
  EXPECT_EQ(result->events[2].version, 1u);
  EXPECT_EQ(result->events[2].position, 4u);
}

struct InvalidCase {
  std::string rule;
  std::function<void(std::vector<StreamAppend>&)> spoil;
};

TEST_P(EventStoreConformance, EveryValidationRuleRejectsWithInvalidArgumentAndWritesNothing) {
  const std::vector<InvalidCase> cases = {
      {"empty stream id", [](auto& a) { a[0].stream = ""; }},
      {"long stream id", [](auto& a) { a[0].stream = "order-" + std::string(300, 'x'); }},
      {"control character in stream id", [](auto& a) { a[0].stream = "order\n1"; }},
      {"reserved stream id", [](auto& a) { a[0].stream = "$all"; }},
      {"empty type", [](auto& a) { a[0].events[0].type = ""; }},
      {"long type", [](auto& a) { a[0].events[0].type = std::string(300, 't'); }},
      {"control character in type", [](auto& a) { a[0].events[0].type = "Order\tPlaced"; }},
      {"empty content type", [](auto& a) { a[0].events[0].content_type = ""; }},
      {"schema version zero", [](auto& a) { a[0].events[0].schema_version = 0; }},
      {"payload too large", [](auto& a) { a[0].events[0].data.assign((1 << 20) + 1, 'x'); }},
      {"metadata too large", [](auto& a) { a[0].events[0].metadata["k"] = std::string(70000, 'v'); }},
      {"empty metadata key", [](auto& a) { a[0].events[0].metadata[""] = "v"; }},
      {"no events", [](auto& a) { a[0].events.clear(); }},
      {"no streams", [](auto& a) { a.clear(); }},
      {"stream twice", [](auto& a) { a.push_back(a[0]); }},
      {"event id twice", [](auto& a) {
         a[0].events[0].event_id = Uuid::Random();
         a[0].events.push_back(a[0].events[0]);
       }},
      // Protobuf refuses to parse strings that are not UTF-8: a record holding one could never be read.
      {"invalid UTF-8 in stream id", [](auto& a) { a[0].stream = "bad\xff-1"; }},
      {"invalid UTF-8 in type", [](auto& a) { a[0].events[0].type = "Placed\xc3"; }},
      {"overlong UTF-8 in type", [](auto& a) { a[0].events[0].type = "\xc0\xafPlaced"; }},
      {"UTF-16 surrogate in type", [](auto& a) { a[0].events[0].type = "\xed\xa0\x80"; }},
      {"invalid UTF-8 in content type", [](auto& a) { a[0].events[0].content_type = "app/\xfe"; }},
      {"invalid UTF-8 in metadata key", [](auto& a) { a[0].events[0].metadata["k\x80"] = "v"; }},
      {"invalid UTF-8 in metadata value", [](auto& a) { a[0].events[0].metadata["correlation_id"] = "c\xff"; }},
      {"invalid UTF-8 in a JSON payload", [](auto& a) { a[0].events[0].data = "{\"a\":\"\xff\"}"; }},
      {"NUL in a JSON payload", [](auto& a) { a[0].events[0].data = std::string("{\"a\":1}\0 garbage", 17); }},
      {"JSON nested too deep", [](auto& a) {
         a[0].events[0].data = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
       }},
      {"nil event id", [](auto& a) { a[0].events[0].event_id = Uuid(); }},
  };
  for (const InvalidCase& c : cases) {
    std::vector<StreamAppend> appends(1);
    appends[0] = {"order-1", ExpectedVersion::Any(), {JsonEvent("OrderPlaced")}};
    c.spoil(appends);
    EXPECT_EQ(store().Append(appends).status().code(), StatusCode::kInvalidArgument) << c.rule;
  }
  EXPECT_EQ(store().HeadPosition(), 0u);
  auto exactly_max = store().Append("order-1", ExpectedVersion::Any(),
                                    {JsonEvent("Big", std::string(1 << 20, 'x'))});
  EXPECT_TRUE(exactly_max.ok()) << exactly_max.status().ToString();
  const std::string deepest = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(store().Append("order-1", ExpectedVersion::Any(), {JsonEvent("Deep", deepest)}).ok());
}

TEST_P(EventStoreConformance, TextOutsideAsciiIsKeptAsGiven) {
  EventData event = JsonEvent("Bestellt\u2713", R"({"name":"Zo\u00eb \u65e5\u672c"})");
  event.metadata["k\u00fcnde"] = "\U0001F600";
  ASSERT_TRUE(store().Append("ordre-caf\u00e9", ExpectedVersion::NoStream(), {event}).ok());
  auto events = store().ReadStream("ordre-caf\u00e9", {});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_EQ(events->front().type, "Bestellt\u2713");
  EXPECT_EQ(events->front().metadata.at("k\u00fcnde"), "\U0001F600");
  EXPECT_EQ(events->front().data, event.data);
  EXPECT_TRUE(store().Verify({}).ok());
}

TEST_P(EventStoreConformance, NamesKeptBesideTheLogAreCheckedToo) {
  EXPECT_EQ(store().SaveCheckpoint("pub\xff", {1, {}, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().SaveCheckpoint("publisher", {1, {{"orders\xc3", 0, 1}}, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().SaveSnapshot("order-1", {1, "State\xff", 1, "s", 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().SaveSchema("Type\xff", "d").code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(store().LoadCheckpoint("publisher")->has_value());
}

TEST_P(EventStoreConformance, RecordedEventKeepsEveryField) {
  EventData data = JsonEvent("OrderPlaced", R"({"total":1250})", Uuid::Random());
  data.schema_version = 3;
  data.metadata["correlation_id"] = "c-1";
  data.metadata["user"] = "ada";
  ASSERT_TRUE(store().Append("order-7", ExpectedVersion::Any(), {data}).ok());
  auto events = store().ReadStream("order-7", {});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const RecordedEvent& e = events->front();
  EXPECT_EQ(e.event_id, data.event_id);
  EXPECT_EQ(e.stream, "order-7");
  EXPECT_EQ(e.type, "OrderPlaced");
  EXPECT_EQ(e.schema_version, 3u);
  EXPECT_EQ(e.content_type, kJsonContentType);
  EXPECT_EQ(e.data, R"({"total":1250})");
  EXPECT_EQ(e.metadata, data.metadata);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  EXPECT_NEAR(static_cast<double>(e.recorded_at_us),
              static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()), 60e6);
}

TEST_P(EventStoreConformance, ReadStreamForwardAndBackwardInPages) {
  for (int i = 0; i < 10; ++i) MustAppend(store(), "order-1", "E" + std::to_string(i));
  auto versions = [](const Result<std::vector<RecordedEvent>>& page) {
    std::vector<uint64_t> out;
    for (const auto& e : *page) out.push_back(e.version);
    return out;
  };
  EXPECT_EQ(versions(store().ReadStream("order-1", {0, false, 4})), (std::vector<uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(versions(store().ReadStream("order-1", {8, false, 4})), (std::vector<uint64_t>{8, 9}));
  EXPECT_TRUE(store().ReadStream("order-1", {10, false, 4})->empty());
  EXPECT_EQ(versions(store().ReadStream("order-1", {kStreamEnd, true, 3})), (std::vector<uint64_t>{9, 8, 7}));
  EXPECT_EQ(versions(store().ReadStream("order-1", {2, true, 5})), (std::vector<uint64_t>{2, 1, 0}));
  EXPECT_EQ(store().ReadStream("order-404", {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().ReadStream("$all", {}).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(EventStoreConformance, ReadAllAndCategoryFollowGlobalOrder) {
  const std::vector<std::string> streams = {"order-1", "charge-1", "order-2", "order-1", "charge-1", "order-3"};
  for (const auto& s : streams) MustAppend(store(), s, "E");
  auto all = store().ReadAll(1, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), streams.size());
  for (size_t i = 0; i < streams.size(); ++i) {
    EXPECT_EQ((*all)[i].position, i + 1);
    EXPECT_EQ((*all)[i].stream, streams[i]);
  }
  auto page = store().ReadAll(3, 2);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].position, 3u);
  EXPECT_EQ((*page)[1].position, 4u);
  auto orders = store().ReadCategory("order", 1, 100);
  ASSERT_TRUE(orders.ok());
  std::vector<uint64_t> positions;
  for (const auto& e : *orders) positions.push_back(e.position);
  EXPECT_EQ(positions, (std::vector<uint64_t>{1, 3, 4, 6}));
  auto later = store().ReadCategory("order", 4, 1);
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ(later->front().position, 4u);
  EXPECT_TRUE(store().ReadCategory("notification", 1, 10)->empty());
}

TEST_P(EventStoreConformance, ListStreamsByCategoryInPages) {
  for (const char* s : {"order-2", "order-1", "charge-1", "orderly", "order-3"}) MustAppend(store(), s, "E");
  MustAppend(store(), "order-1", "E");
  auto orders = store().ListStreams("order", "", 10);
  ASSERT_TRUE(orders.ok());
  ASSERT_EQ(orders->size(), 3u);
  EXPECT_EQ((*orders)[0].stream, "order-1");
  EXPECT_EQ((*orders)[0].last_version, 1u);
  EXPECT_EQ((*orders)[0].last_position, 6u);
  auto rest = store().ListStreams("order", "order-1", 10);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].stream, "order-2");
  EXPECT_EQ(store().ListStreams("", "", 100)->size(), 5u);
}

TEST_P(EventStoreConformance, CheckpointsSnapshotsAndSchemasRoundTrip) {
  EXPECT_FALSE(store().LoadCheckpoint("publisher")->has_value());
  Checkpoint checkpoint{42, {{"cairn.order", 3, 1001}}, 0};
  ASSERT_TRUE(store().SaveCheckpoint("publisher", checkpoint).ok());
  auto loaded = store().LoadCheckpoint("publisher");
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->position, 42u);
  ASSERT_EQ((*loaded)->offsets.size(), 1u);
  EXPECT_EQ((*loaded)->offsets[0].topic, "cairn.order");
  EXPECT_EQ((*loaded)->offsets[0].partition, 3);
  EXPECT_EQ((*loaded)->offsets[0].offset, 1001);

  ASSERT_TRUE(store().SaveSnapshot("order-1", {7, "OrderState", 2, "state-bytes", 0}).ok());
  auto snapshot = store().LoadSnapshot("order-1");
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->version, 7u);
  EXPECT_EQ((*snapshot)->state, "state-bytes");
  EXPECT_EQ((*snapshot)->schema_version, 2u);
  ASSERT_TRUE(store().DeleteSnapshot("order-1").ok());
  EXPECT_FALSE(store().LoadSnapshot("order-1")->has_value());

  ASSERT_TRUE(store().SaveSchema("shop.OrderPlaced", std::string("\x0a\x03" "abc", 5)).ok());
  EXPECT_EQ(store().LoadSchema("shop.OrderPlaced")->value(), std::string("\x0a\x03" "abc", 5));
  EXPECT_FALSE(store().LoadSchema("shop.Unknown")->has_value());
}

TEST_P(EventStoreConformance, TimesComeFromTheStoresClock) {
  ManualClock clock;
  store_.reset();
  store_ = Open({.clock = &clock});
  const EventData placed = JsonEvent("Placed", "{}", Uuid::Random());
  auto first = store().Append("order-1", ExpectedVersion::Any(), {placed});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->events[0].recorded_at_us, ManualClock::kStartMicros);
  clock.Advance(std::chrono::seconds(90));
  auto again = store().Append("order-1", ExpectedVersion::Any(), {placed});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events[0].recorded_at_us, ManualClock::kStartMicros) << "a repeat names the original time";
  ASSERT_TRUE(store().Append("order-1", ExpectedVersion::Any(), {JsonEvent("Confirmed")}).ok());
  auto events = store().ReadStream("order-1", {});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ((*events)[0].recorded_at_us, ManualClock::kStartMicros);
  EXPECT_EQ((*events)[1].recorded_at_us, ManualClock::kStartMicros + 90'000'000);

  ASSERT_TRUE(store().SaveCheckpoint("publisher", {.position = 2}).ok());
  EXPECT_EQ(store().LoadCheckpoint("publisher")->value().updated_at_us, clock.NowMicros());
  Snapshot snapshot{.version = 1, .type = "OrderState", .state = "s", .position = 2,
                    .recorded_at_us = (*events)[1].recorded_at_us};
  ASSERT_TRUE(store().SaveSnapshot("order-1", snapshot).ok());
  auto loaded = store().LoadSnapshot("order-1");
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->taken_at_us, clock.NowMicros());
  EXPECT_EQ((*loaded)->position, 2u);
  EXPECT_EQ((*loaded)->recorded_at_us, (*events)[1].recorded_at_us);
}

TEST_P(EventStoreConformance, VerifyAndStatsDescribeTheLog) {
  for (const char* s : {"order-1", "order-2", "charge-1", "order-1"}) MustAppend(store(), s, "E");
  auto report = store().Verify({});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->events, 4u);
  EXPECT_EQ(report->streams, 3u);
  auto stats = store().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events, 4u);
  EXPECT_EQ(stats->streams, 3u);
  EXPECT_EQ(stats->categories, 2u);
  EXPECT_EQ(stats->last_position, 4u);
  EXPECT_GT(stats->bytes, 0u);
}

INSTANTIATE_TEST_SUITE_P(Stores, EventStoreConformance, ::testing::ValuesIn(AllStores()),
                         StoreName);

}  // namespace
}  // namespace cairn
