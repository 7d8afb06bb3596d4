// The fixture of the conformance suites: each test runs once per EventStore
// implementation, each time on a fresh store.
#ifndef CAIRN_TESTS_STORE_CONFORMANCE_FIXTURE_H_
#define CAIRN_TESTS_STORE_CONFORMANCE_FIXTURE_H_

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "store/event_store.h"
#include "store/event_store_wrapper.h"
#include "store/fault_injecting_event_store.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/temp_dir.h"

namespace cairn {

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<EventStore>(const std::string& dir, const StoreOptions&)> open;
};

// gtest prints the parameter in test names and failures by its name.
inline void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

// Appends through AppendAsync and waits for the callback, so that every
// conformance case runs through both entry points. A second call of the
// callback throws from std::promise and fails the test.
class AppendThroughAsync final : public EventStoreWrapper {
 public:
  using EventStoreWrapper::EventStoreWrapper;
  using EventStore::Append;
  Result<AppendResult> Append(const std::vector<StreamAppend>& appends) override {
    std::promise<Result<AppendResult>> promise;
    std::future<Result<AppendResult>> future = promise.get_future();
    base().AppendAsync(appends, [&promise](Result<AppendResult> result) { promise.set_value(std::move(result)); });
    return future.get();
  }
};

inline std::unique_ptr<EventStore> OpenRocksDb(const std::string& dir, const StoreOptions& options) {
  auto store = OpenEventStore(dir, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

inline std::vector<StoreFactory> AllStores() {
  return {
      StoreFactory{"Memory", [](const std::string&, const StoreOptions& o) { return NewMemoryEventStore(o); }},
      StoreFactory{"MemoryAsync",
                   [](const std::string&, const StoreOptions& o) -> std::unique_ptr<EventStore> {
                     return std::make_unique<AppendThroughAsync>(NewMemoryEventStore(o));
                   }},
      StoreFactory{"RocksDb", OpenRocksDb},
      StoreFactory{"RocksDbAsync",
                   [](const std::string& dir, const StoreOptions& o) -> std::unique_ptr<EventStore> {
                     auto store = OpenRocksDb(dir, o);
                     return store ? std::make_unique<AppendThroughAsync>(std::move(store)) : nullptr;
                   }},
      // With no fault set, the wrapper must be invisible.
      StoreFactory{"FaultInjecting",
                   [](const std::string&, const StoreOptions& o) -> std::unique_ptr<EventStore> {
                     return std::make_unique<FaultInjectingEventStore>(NewMemoryEventStore(o));
                   }},
  };
}

inline std::string StoreName(const ::testing::TestParamInfo<StoreFactory>& info) { return info.param.name; }

class EventStoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { store_ = Open(StoreOptions{}); }
  std::unique_ptr<EventStore> Open(const StoreOptions& options) {
    auto store = GetParam().open(dir_.Sub("data"), options);
    EXPECT_NE(store, nullptr);
    return store;
  }
  EventStore& store() { return *store_; }

  testing::TempDir dir_;
  std::unique_ptr<EventStore> store_;
};

}  // namespace cairn

#endif  // CAIRN_TESTS_STORE_CONFORMANCE_FIXTURE_H_
