// Saga stream decoding: a saga's stream as a node finds it at start, made
// of saga transition events with arbitrary payloads. Reading it for the
// operator (LoadSaga, the timeline) answers or names the damage, and the
// fulfillment saga's orchestrator resumes from it, drives it and stops
// without a crash or a hang.
//
// Input: events, each one byte that picks a saga.proto message type, two
// bytes of length (little endian) and the payload.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/runtime.h"
#include "examples/commerce/commerce.h"
#include "examples/commerce/fulfillment.h"
#include "sagas/admin.h"
#include "sagas/orchestrator.h"
#include "sagas/proto/saga.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace cairn::fuzz {
namespace {

constexpr char kSagaId[] = "order_fulfillment.fuzz";
constexpr auto kSettleBound = std::chrono::milliseconds(200);

std::vector<EventData> EventsOf(std::string_view input) {
  const google::protobuf::FileDescriptor* file = sagas::SagaStarted::descriptor()->file();
  std::vector<EventData> events;
  while (input.size() >= 3) {
    const auto* type = file->message_type(static_cast<uint8_t>(input[0]) % file->message_type_count());
    const size_t length = std::min<size_t>(static_cast<uint8_t>(input[1]) | static_cast<uint8_t>(input[2]) << 8,
                                           input.size() - 3);
    EventData event;
    event.type = type->name();
    event.content_type = type->full_name();
    event.data = std::string(input.substr(3, length));
    events.push_back(std::move(event));
    input.remove_prefix(3 + length);
  }
  return events;
}

// Reading the stream for an operator: an answer, or the damage named.
void CheckOperatorReads(EventStore& store) {
  Result<sagas::SagaInstance> loaded = sagas::LoadSaga(store, kSagaId);
  Check(loaded.ok() || loaded.status().code() == StatusCode::kDataLoss ||
            loaded.status().code() == StatusCode::kNotFound,
        "a saga loads, or its damage is named: " + loaded.status().ToString());
  if (loaded.ok()) Check(!nlohmann::json::parse(sagas::SummaryJson(*loaded), nullptr, false).is_discarded(),
                         "the summary is JSON");
  Result<std::string> timeline = sagas::TimelineJson(store, kSagaId);
  Check(timeline.ok() == loaded.ok() || timeline.status().code() == StatusCode::kDataLoss,
        "the timeline reads what the instance reads: " + timeline.status().ToString());
  if (timeline.ok()) Check(!nlohmann::json::parse(*timeline, nullptr, false).is_discarded(), "the timeline is JSON");
}

}  // namespace
}  // namespace cairn::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in a string field fails the parse, which is what is tested;
  // protobuf's log line for each one would drown the fuzzer's output.
  google::protobuf::SetLogHandler(nullptr);
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  using namespace cairn::fuzz;
  std::vector<EventData> events = EventsOf(std::string_view(reinterpret_cast<const char*>(data), size));
  if (events.empty()) return 0;
  std::unique_ptr<EventStore> store = NewMemoryEventStore();
  Check(store->Append(sagas::SagaStreamOf(kSagaId), ExpectedVersion::NoStream(), std::move(events)).ok(),
        "the stream is stored");
  CheckOperatorReads(*store);

  Runtime runtime(1, 1, 1);  // before the orchestrator, whose timers it outlives
  commerce::Commerce shop(*store);
  Check(shop.Start().ok(), "the shop starts");
  auto orchestrator = std::make_unique<sagas::Orchestrator>(*store, shop.types(), shop.bus());
  orchestrator->AddBreaker(std::string(commerce::kPaymentBreaker), sagas::BreakerOptions{});
  orchestrator->AddBreaker(std::string(commerce::kMailBreaker), sagas::BreakerOptions{});
  Check(orchestrator->Register(shop.Fulfillment()).ok(), "the fulfillment saga registers");
  const Status started = orchestrator->Start(runtime);
  if (started.ok()) {
    // Let the instance go as far as it goes, then stop it where it is.
    const auto until = std::chrono::steady_clock::now() + kSettleBound;
    while (orchestrator->counts().in_flight > 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    Check(orchestrator->Stop().ok(), "the orchestrator stops");
  } else {
    Check(started.code() == StatusCode::kDataLoss, "a stream it cannot resume from is named: " + started.ToString());
  }
  runtime.Stop();
  CheckOperatorReads(*store);
  return 0;
}
