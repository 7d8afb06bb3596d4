// The CLI's JSON event input: what `cairn append` takes is refused with
// InvalidArgument or stored, and what is stored `cairn read` prints back as
// the same JSON value, on one line.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "store/event_store.h"
#include "tests/fuzz/fuzz_check.h"
#include "tools/cairn/event_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  using namespace cairn::fuzz;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Result<EventData> event = cli::JsonEvent("Fuzzed", text);
  if (!event.ok()) {
    Check(event.status().code() == StatusCode::kInvalidArgument, "refused input is InvalidArgument");
    return 0;
  }
  std::vector<StreamAppend> appends{{"fuzz-1", ExpectedVersion::Any(), {*event}}};
  const StoreOptions options;
  if (!ValidateAppend(appends, options).ok()) return 0;  // over a limit of the store: refused before it writes
  std::unique_ptr<EventStore> store = NewMemoryEventStore(options);
  Result<AppendResult> appended = store->Append(appends);
  Check(appended.ok(), "a valid append is stored: " + appended.status().ToString());
  Result<std::vector<RecordedEvent>> read = store->ReadAll(1, 1);
  Check(read.ok() && read->size() == 1, "the stored event reads back");

  cli::PayloadRenderer renderer(*store);
  const std::string line = cli::EventJsonLine(read->front(), renderer);
  Check(line.find('\n') == std::string::npos, "an event prints on one line");
  const nlohmann::json printed = nlohmann::json::parse(line, nullptr, false);
  Check(!printed.is_discarded(), "the printed line is JSON");
  const nlohmann::json given = nlohmann::json::parse(text, nullptr, false);
  Check(printed["data"] == given, "the printed data is the JSON that was appended");
  return 0;
}
