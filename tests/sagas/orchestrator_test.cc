// The orchestrator on a real RocksDB store and a real Runtime, with the toy
// domain: every path of an instance, restarts, and operator actions.
#include "sagas/orchestrator.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "engine/command_handler.h"
#include "sagas/proto/saga.pb.h"
#include "tests/sagas/toy_domain.h"
#include "tests/testing/eventually.h"
#include "tests/testing/temp_dir.h"

namespace cairn::sagas {
namespace {

using std::chrono::milliseconds;
using testing::Eventually;
using toy::Account;
using toy::AccountCommand;
using toy::JobSubmitted;
using toy::JobWithdrawn;
using Message = google::protobuf::Message;

CommandFactory ReserveOn(std::string prefix, std::string amount_var) {
  return [=](const SagaVars& vars) -> Result<std::unique_ptr<Message>> {
    auto command = std::make_unique<AccountCommand>();
    command->mutable_reserve()->set_account_id(prefix + vars.at("key"));
    command->mutable_reserve()->set_amount(std::stoll(vars.at(amount_var)));
    return std::unique_ptr<Message>(std::move(command));
  };
}

Result<std::unique_ptr<Message>> ReleaseFirst(const SagaVars& vars) {
  auto command = std::make_unique<AccountCommand>();
  command->mutable_release()->set_account_id("a-" + vars.at("key"));
  return std::unique_ptr<Message>(std::move(command));
}

class OrchestratorTest : public ::testing::Test {
 protected:
  OrchestratorTest() {
    store_ = std::move(OpenEventStore(dir_.Sub("store")).value());
    for (const Message* type : {static_cast<const Message*>(&JobSubmitted::default_instance()),
                                static_cast<const Message*>(&JobWithdrawn::default_instance()),
                                static_cast<const Message*>(&toy::Reserved::default_instance()),
                                static_cast<const Message*>(&toy::ReservationRefused::default_instance()),
                                static_cast<const Message*>(&toy::Released::default_instance())}) {
      types_.Register(*type, 1);
    }
    RegisterSagaEvents(saga_types_);
    accounts_ = std::make_unique<CommandHandler<Account>>(*store_, account_, types_);
    bus_.Register(*accounts_);
    retry_.max_attempts = 3;
    retry_.first_delay = milliseconds(10);
    retry_.max_delay = milliseconds(40);
  }
  ~OrchestratorTest() override { StopNode(); }

  SagaDefinition Definition(int version) {
    return SagaDefinition("job", version)
        .StartOn<JobSubmitted>("job", [](const JobSubmitted& job) { return job.key(); },
                               [](const JobSubmitted& job) {
                                 return SagaVars{{"key", job.key()},
                                                 {"amount", std::to_string(job.amount())},
                                                 {"final", std::to_string(job.final_amount())}};
                               })
        .CancelOn<JobWithdrawn>("job", [](const JobWithdrawn& job) { return job.key(); },
                                [](const JobWithdrawn&) { return std::string("withdrawn"); })
        .AddStep(Step("reserve")
                     .Do(Action::Command(ReserveOn("a-", "amount")).SucceedsOn({"Reserved"}).FailsOn({"ReservationRefused"}))
                     .Compensate(Action::Command(ReleaseFirst).SucceedsOn({"Released"})))
        .AddStep(Step("hold")
                     .Do(Action::Call(hold_.AsActivity()).Retry(retry_))
                     .Compensate(Action::Call(unhold_.AsActivity()).Retry(retry_)))
        .AddStep(Step("call")
                     .Do(Action::Call(call_.AsActivity(), "provider").Retry(retry_).AttemptTimeout(attempt_timeout_))
                     .Compensate(Action::Call(undo_.AsActivity()).Retry(retry_)))
        .AddStep(Step("finish")
                     .Do(Action::Command(ReserveOn("final-", "final")).SucceedsOn({"Reserved"}).FailsOn({"ReservationRefused"}))
                     .Pivot())
        .AddStep(Step("notify").Do(Action::Call(notify_.AsActivity()).Retry(retry_).MayFail()));
  }

  void StartNode(int version = 1) {
    runtime_ = std::make_unique<Runtime>(2, 1);
    orchestrator_ = std::make_unique<Orchestrator>(*store_, types_, bus_, options_, &metrics_);
    orchestrator_->AddBreaker("provider", BreakerOptions{});
    ASSERT_TRUE(orchestrator_->Register(Definition(version)).ok());
    ASSERT_TRUE(orchestrator_->Start(*runtime_).ok());
  }

  void StopNode() {
    if (!orchestrator_) return;
    EXPECT_TRUE(orchestrator_->Stop().ok());
    runtime_->Stop();
    orchestrator_.reset();
    runtime_.reset();
  }

  void Submit(const std::string& key, int64_t amount = 10, int64_t final_amount = 10) {
    JobSubmitted job;
    job.set_key(key);
    job.set_amount(amount);
    job.set_final_amount(final_amount);
    ASSERT_TRUE(store_->Append("job-" + key, ExpectedVersion::Any(), {types_.Encode(job).value()}).ok());
  }

  void Withdraw(const std::string& key) {
    JobWithdrawn job;
    job.set_key(key);
    ASSERT_TRUE(store_->Append("job-" + key, ExpectedVersion::Any(), {types_.Encode(job).value()}).ok());
  }

  // The instance's stream, decoded.
  std::vector<std::unique_ptr<Message>> Events(const std::string& key) {
    std::vector<std::unique_ptr<Message>> events;
    auto read = store_->ReadStream(SagaStreamOf(SagaIdOf("job", key)), {});
    if (!read.ok()) return events;
    for (const RecordedEvent& event : *read) events.push_back(saga_types_.Decode(event).value());
    return events;
  }
  SagaInstance Load(const std::string& key) {
    SagaInstance instance;
    for (const auto& event : Events(key)) Evolve(instance, *event);
    return instance;
  }
  std::vector<std::string> Types(const std::string& key) {
    std::vector<std::string> types;
    for (const auto& event : Events(key)) types.push_back(event->GetDescriptor()->name());
    return types;
  }
  template <typename M>
  std::vector<M> All(const std::string& key) {
    std::vector<M> found;
    for (const auto& event : Events(key)) {
      if (const M* match = As<M>(*event)) found.push_back(*match);
    }
    return found;
  }
  bool Ends(const std::string& key, SagaStatus status) {
    return Eventually([&] { return ShownStatus(Load(key)) == status; }, std::chrono::seconds(10));
  }
  std::optional<int64_t> Reserved(const std::string& account) {
    auto state = accounts_->repository().Load(account);
    if (!state.ok() || !state->version) return std::nullopt;
    return state->state.reserved();
  }

  testing::TempDir dir_;
  std::unique_ptr<EventStore> store_;
  EventTypeRegistry types_, saga_types_;
  Account account_;
  std::unique_ptr<CommandHandler<Account>> accounts_;
  InProcessCommandBus bus_;
  MetricsRegistry metrics_;
  toy::ScriptedActivity hold_, unhold_, call_, undo_, notify_;
  RetryPolicy retry_;
  milliseconds attempt_timeout_{0};
  OrchestratorOptions options_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<Orchestrator> orchestrator_;
};

TEST_F(OrchestratorTest, ATriggerRunsEveryStepToCompletion) {
  StartNode();
  Submit("k1");
  ASSERT_TRUE(Ends("k1", SagaStatus::kCompleted)) << ::testing::PrintToString(Types("k1"));
  EXPECT_EQ(All<StepSucceeded>("k1").size(), 5u);
  EXPECT_EQ(Reserved("a-k1"), 10);
  EXPECT_EQ(Reserved("final-k1"), 10);
  EXPECT_EQ(call_.calls("k1"), 1);
  EXPECT_EQ(call_.keys(), std::vector<std::string>{"job.k1/call"});
  EXPECT_EQ(Load("k1").vars.at("receipt"), "r-k1");  // a call's output is kept for later steps
  // The stream is durable a moment before the orchestrator has counted it.
  EXPECT_TRUE(Eventually([&] { return orchestrator_->counts().completed == 1; }));
  EXPECT_NE(metrics_.RenderPrometheus().find("cairn_sagas_completed_total{definition=\"job\"} 1"), std::string::npos);
}

TEST_F(OrchestratorTest, EveryDurableTransitionIsHeardOnceInOrderTheLastOneToo) {
  std::mutex mu;
  std::vector<std::pair<uint64_t, uint64_t>> heard;  // (stream version, global position)
  SagaStatus last = SagaStatus::kRunning;
  options_.on_transition = [&](const SagaInstance& instance) {
    // Durable before it is heard: the store holds the transition already.
    auto head = store_->GetStreamHead(SagaStreamOf(instance.id));
    EXPECT_TRUE(head.ok() && head->last_version >= *instance.version);
    std::lock_guard lock(mu);
    heard.emplace_back(*instance.version, instance.last_position);
    last = instance.status;
  };
  StartNode();
  Submit("k1");
  ASSERT_TRUE(Ends("k1", SagaStatus::kCompleted));
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return last == SagaStatus::kCompleted;
  }));
  auto stream = store_->ReadStream(SagaStreamOf(SagaIdOf("job", "k1")), {});
  ASSERT_TRUE(stream.ok());
  std::lock_guard lock(mu);
  ASSERT_GE(heard.size(), 3u);
  for (size_t i = 1; i < heard.size(); ++i) EXPECT_LT(heard[i - 1].second, heard[i].second) << "heard out of order";
  // The last one heard is the stream's end, and every transition's last event was heard.
  EXPECT_EQ(heard.back().first, stream->back().version);
  EXPECT_EQ(heard.back().second, stream->back().position);
  std::set<uint64_t> versions;
  for (const auto& [version, position] : heard) versions.insert(version);
  EXPECT_EQ(versions.size(), heard.size()) << "a transition was heard twice";
}

TEST_F(OrchestratorTest, ABusinessFailureCompensatesTheFinishedStepsInReverseOrder) {
  StartNode();
  Submit("k2", 10, 500);  // the pivot's reservation is refused
  ASSERT_TRUE(Ends("k2", SagaStatus::kCompensated)) << ::testing::PrintToString(Types("k2"));
  std::vector<std::string> undone;
  for (const auto& event : All<CompensationSucceeded>("k2")) undone.push_back(event.step());
  EXPECT_EQ(undone, (std::vector<std::string>{"call", "hold", "reserve"}));
  EXPECT_EQ(Reserved("a-k2"), 0);
  EXPECT_EQ(Reserved("final-k2"), 0);  // the refusal is recorded, nothing is reserved
  EXPECT_EQ(undo_.keys(), std::vector<std::string>{"job.k2/call/undo"});
  EXPECT_EQ(notify_.calls("k2"), 0);
}

TEST_F(OrchestratorTest, AFailedFirstStepHasNothingToUndo) {
  StartNode();
  Submit("k3", 500);
  ASSERT_TRUE(Ends("k3", SagaStatus::kCompensated));
  EXPECT_TRUE(All<CompensationRequested>("k3").empty());
  EXPECT_EQ(hold_.calls("k3"), 0);
}

TEST_F(OrchestratorTest, AFailureThatMayPassIsRetriedWithBackOff) {
  call_.Script("k4", {"down", "down", "ok"});
  StartNode();
  Submit("k4");
  ASSERT_TRUE(Ends("k4", SagaStatus::kCompleted));
  EXPECT_EQ(call_.calls("k4"), 3);
  EXPECT_EQ(All<RetryScheduled>("k4").size(), 2u);
  EXPECT_EQ(All<DeadlineFired>("k4").size(), 2u);
}

TEST_F(OrchestratorTest, AnAttemptThatTimesOutMayHaveTakenEffectSoItIsUndoneToo) {
  attempt_timeout_ = milliseconds(30);
  call_.Script("k5", {"hang", "hang", "hang"});
  StartNode();
  Submit("k5");
  ASSERT_TRUE(Ends("k5", SagaStatus::kCompensated));
  EXPECT_EQ(All<StepTimedOut>("k5").size(), 3u);
  EXPECT_EQ(undo_.calls("k5"), 1);  // the call may have happened: it is undone
  EXPECT_EQ(unhold_.calls("k5"), 1);
  EXPECT_EQ(Reserved("a-k5"), 0);
}

TEST_F(OrchestratorTest, AFailingCompensationLeavesItStuckInOrderAndRetryHealsIt) {
  unhold_.Script("k6", {"no"});  // the middle compensation says no
  StartNode();
  Submit("k6", 10, 500);
  ASSERT_TRUE(Ends("k6", SagaStatus::kStuck));
  SagaInstance stuck = Load("k6");
  EXPECT_EQ(stuck.stuck_step, "hold");
  EXPECT_TRUE(stuck.stuck_in_compensation);
  EXPECT_NE(stuck.failure.find("the provider said no"), std::string::npos);
  EXPECT_EQ(Reserved("a-k6"), 10);  // nothing skipped: the first step waits its turn
  EXPECT_TRUE(Eventually([&] { return orchestrator_->counts().stuck == 1; }));

  std::promise<Status> retried;
  orchestrator_->Retry(SagaIdOf("job", "k6"), "the provider is back", [&](Status s) { retried.set_value(s); });
  ASSERT_TRUE(retried.get_future().get().ok());
  ASSERT_TRUE(Ends("k6", SagaStatus::kCompensated));
  std::vector<std::string> undone;
  for (const auto& event : All<CompensationSucceeded>("k6")) undone.push_back(event.step());
  EXPECT_EQ(undone, (std::vector<std::string>{"call", "hold", "reserve"}));
  EXPECT_EQ(Reserved("a-k6"), 0);
}

TEST_F(OrchestratorTest, AStuckStepCanBeResolvedByHand) {
  unhold_.Script("k7", {"no"});
  StartNode();
  Submit("k7", 10, 500);
  ASSERT_TRUE(Ends("k7", SagaStatus::kStuck));
  std::promise<Status> resolved;
  orchestrator_->Resolve(SagaIdOf("job", "k7"), "released by phone", [&](Status s) { resolved.set_value(s); });
  ASSERT_TRUE(resolved.get_future().get().ok());
  ASSERT_TRUE(Ends("k7", SagaStatus::kCompensated));
  EXPECT_EQ(unhold_.calls("k7"), 1);  // not called again
  EXPECT_EQ(Reserved("a-k7"), 0);
  EXPECT_EQ(All<SagaResolved>("k7").at(0).note(), "released by phone");
}

TEST_F(OrchestratorTest, OperatorActionsTheStateDoesNotAllowAreRefused) {
  call_.Script("k8", {"hang"});
  StartNode();
  Submit("k8");
  ASSERT_TRUE(Eventually([&] { return call_.calls("k8") == 1; }));  // the request is durable, the call made
  std::promise<Status> retried;
  orchestrator_->Retry(SagaIdOf("job", "k8"), "", [&](Status s) { retried.set_value(s); });
  EXPECT_EQ(retried.get_future().get().code(), StatusCode::kFailedPrecondition);
  std::promise<Status> missing;
  orchestrator_->Cancel(SagaIdOf("job", "nope"), "", [&](Status s) { missing.set_value(s); });
  EXPECT_EQ(missing.get_future().get().code(), StatusCode::kNotFound);

  std::promise<Status> terminated;
  orchestrator_->Terminate(SagaIdOf("job", "k8"), "stop it", [&](Status s) { terminated.set_value(s); });
  ASSERT_TRUE(terminated.get_future().get().ok());
  EXPECT_EQ(Load("k8").status, SagaStatus::kTerminated);
  EXPECT_EQ(Reserved("a-k8"), 10);  // terminate undoes nothing
}

TEST_F(OrchestratorTest, ACancelEventUndoesWhatIsDoneIncludingTheCallThatIsOut) {
  call_.Script("k9", {"hang"});
  StartNode();
  Submit("k9");
  ASSERT_TRUE(Eventually([&] { return call_.calls("k9") == 1; }));  // the request is durable, the call made
  Withdraw("k9");
  ASSERT_TRUE(Ends("k9", SagaStatus::kCancelled));
  EXPECT_EQ(undo_.calls("k9"), 1);
  EXPECT_EQ(Reserved("a-k9"), 0);
  EXPECT_EQ(All<SagaCancelled>("k9").at(0).reason(), "withdrawn");
}

TEST_F(OrchestratorTest, ACancelThatComesWhileTheLastTransitionAppendsIsAnsweredAndTheFeedMovesOn) {
  // One page of the feed: the cancel reaches the instance while the
  // transition that ends it (its first step refused) is being appended.
  Submit("k20", 500);
  Withdraw("k20");
  Submit("k21");
  StartNode();
  ASSERT_TRUE(Ends("k20", SagaStatus::kCompensated));
  ASSERT_TRUE(Ends("k21", SagaStatus::kCompleted));
  // Every event of the page was answered, so the feed's checkpoint passes them all.
  ASSERT_TRUE(Eventually([&] {
    auto checkpoint = store_->LoadCheckpoint("sagas.feed.job");
    return checkpoint.ok() && checkpoint->has_value() && (*checkpoint)->position >= 3;
  }));
}

TEST_F(OrchestratorTest, CappedAppendsWaitTheirTurnAndEveryInstanceStillEnds) {
  options_.max_appends_in_flight = 1;
  std::atomic<int> asked{0};
  options_.busy = [&asked] {
    ++asked;
    return true;  // requests always waiting: the cap always holds
  };
  StartNode();
  for (int i = 0; i < 20; ++i) Submit("cap" + std::to_string(i));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Ends("cap" + std::to_string(i), SagaStatus::kCompleted)) << i;
  EXPECT_GT(asked.load(), 0);  // the cap was consulted
  // Counted once the last append's callback ran, a moment after it is readable.
  EXPECT_TRUE(Eventually([&] { return orchestrator_->counts().completed == 20u; }));
  StopNode();  // nothing left waiting for a turn
}

TEST_F(OrchestratorTest, PastThePivotACancelIsRefusedAndAFailingStepThatMayFailIsSkipped) {
  notify_.Script("k10", {"hang"});
  StartNode();
  Submit("k10");
  ASSERT_TRUE(Eventually([&] { return notify_.calls("k10") == 1; }));
  std::promise<Status> cancelled;
  orchestrator_->Cancel(SagaIdOf("job", "k10"), "too late", [&](Status s) { cancelled.set_value(s); });
  Status refused = cancelled.get_future().get();
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("past its pivot"), std::string::npos);

  notify_.Script("k11", {"no"});
  Submit("k11");
  ASSERT_TRUE(Ends("k11", SagaStatus::kCompleted));
  ASSERT_EQ(All<StepFailed>("k11").size(), 1u);
  EXPECT_TRUE(All<StepFailed>("k11")[0].skipped());
  EXPECT_EQ(Reserved("final-k11"), 10);  // a paid, confirmed step stays done
}

TEST_F(OrchestratorTest, ConcurrentTriggersForOneKeyStartOneInstance) {
  call_.Script("k12", {"hang"});
  StartNode();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { Submit("k12"); });
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(Eventually([&] { return call_.calls("k12") == 1; }));  // the request is durable, the call made
  ASSERT_TRUE(Eventually([&] { return store_->LoadCheckpoint("sagas.feed.job").value()->position >= 4; }));
  EXPECT_EQ(All<SagaStarted>("k12").size(), 1u);
  EXPECT_EQ(hold_.calls("k12"), 1);
  StopNode();
  StartNode();  // the triggers again after a restart: still one
  Submit("k12");
  ASSERT_TRUE(Eventually([&] { return store_->LoadCheckpoint("sagas.feed.job").value()->position >= 5; }));
  EXPECT_EQ(All<SagaStarted>("k12").size(), 1u);
}

TEST_F(OrchestratorTest, ARestartMakesTheLostCallAgainWithTheSameKey) {
  call_.Script("k13", {"hang", "ok"});
  StartNode();
  Submit("k13");
  ASSERT_TRUE(Eventually([&] { return call_.calls("k13") == 1; }));  // the request is durable, the call made
  StopNode();
  StartNode();
  ASSERT_TRUE(Ends("k13", SagaStatus::kCompleted));
  EXPECT_EQ(call_.keys(), (std::vector<std::string>{"job.k13/call", "job.k13/call"}));
  EXPECT_EQ(orchestrator_->counts().resumed, 1u);  // counted at start
}

TEST_F(OrchestratorTest, ADeadlineThatExpiredWhileDownFiresOnceAtTheRestart) {
  attempt_timeout_ = milliseconds(200);
  call_.Script("k14", {"hang", "ok"});
  StartNode();
  Submit("k14");
  ASSERT_TRUE(Eventually([&] { return call_.calls("k14") == 1; }));  // the request is durable, the call made
  StopNode();
  std::this_thread::sleep_for(milliseconds(300));  // the attempt's deadline passes while the node is down
  StartNode();
  ASSERT_TRUE(Ends("k14", SagaStatus::kCompleted));
  int attempt_fired = 0;
  for (const auto& fired : All<DeadlineFired>("k14")) attempt_fired += fired.name() == "attempt";
  EXPECT_EQ(attempt_fired, 1);
  EXPECT_EQ(call_.calls("k14"), 2);  // the overdue attempt is not asked again: the next one is
}

TEST_F(OrchestratorTest, AnInstanceOfAVersionNoLongerRegisteredIsParked) {
  call_.Script("k15", {"hang"});
  StartNode(1);
  Submit("k15");
  ASSERT_TRUE(Eventually([&] { return call_.calls("k15") == 1; }));  // the request is durable, the call made
  StopNode();
  StartNode(2);
  ASSERT_TRUE(Ends("k15", SagaStatus::kParked));
  EXPECT_NE(Load("k15").failure.find("job v1, which this node does not register"), std::string::npos);
  std::promise<Status> retried;
  orchestrator_->Retry(SagaIdOf("job", "k15"), "", [&](Status s) { retried.set_value(s); });
  EXPECT_EQ(retried.get_future().get().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(call_.calls("k15"), 1);  // not driven by version 2
}

// A saga stream that its definition cannot have written (damaged, or
// appended by hand): an attempt out for a step the definition does not
// have. Found by fuzzing the saga stream decoding; driving it read past the
// definition's steps.
TEST_F(OrchestratorTest, AStreamThatDoesNotFitItsDefinitionIsParkedNotDriven) {
  const std::string id = SagaIdOf("job", "k18");
  SagaStarted started;
  started.set_saga_id(id);
  started.set_definition("job");
  started.set_version(1);
  (*started.mutable_vars())["key"] = "k18";
  StepRequested requested;
  requested.set_step("hold");
  requested.set_index(99);
  requested.set_attempt(1);
  ASSERT_TRUE(store_->Append(SagaStreamOf(id), ExpectedVersion::NoStream(),
                             {saga_types_.Encode(started).value(), saga_types_.Encode(requested).value()})
                  .ok());
  StartNode();
  ASSERT_TRUE(Ends("k18", SagaStatus::kParked));
  EXPECT_NE(Load("k18").failure.find("at step 99 of 5"), std::string::npos) << Load("k18").failure;
  EXPECT_EQ(hold_.calls("k18"), 0);
  Submit("k19");  // the others go on
  EXPECT_TRUE(Ends("k19", SagaStatus::kCompleted));
}

TEST_F(OrchestratorTest, TheInstancesCheckpointStaysBeforeTheOldestInstanceGoingOn) {
  call_.Script("k16", {"hang"});
  StartNode();
  Submit("k16");
  ASSERT_TRUE(Eventually([&] { return call_.calls("k16") == 1; }));  // the request is durable, the call made
  Submit("k17");
  ASSERT_TRUE(Ends("k17", SagaStatus::kCompleted));
  StopNode();
  auto checkpoint = store_->LoadCheckpoint("sagas.instances").value();
  ASSERT_TRUE(checkpoint);
  auto started = store_->ReadStream(SagaStreamOf(SagaIdOf("job", "k16")), {}).value().front().position;
  EXPECT_EQ(checkpoint->position, started - 1);
}

}  // namespace
}  // namespace cairn::sagas
