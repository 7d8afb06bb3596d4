// The notification aggregate's rules: it records the attempts the channel made.
#include "examples/commerce/notification.h"

#include <gtest/gtest.h>

#include "tests/examples/commerce/commerce_messages.h"
#include "engine/testing/aggregate_spec.h"

namespace cairn::commerce {
namespace {

using namespace testing;
using cairn::testing::AggregateSpec;

NotificationQueued Queued(const std::string& id, const std::string& recipient = "ada@example.com") {
  NotificationQueued queued;
  queued.set_notification_id(id);
  queued.set_recipient(recipient);
  queued.set_template_name("order-confirmed");
  queued.set_order_id("o-1");
  return queued;
}

NotificationFailed Failed(const std::string& id, int attempt, const std::string& error, bool gave_up) {
  NotificationFailed failed;
  failed.set_notification_id(id);
  failed.set_attempt(attempt);
  failed.set_error(error);
  failed.set_gave_up(gave_up);
  return failed;
}

TEST(NotificationRules, SendingQueuesOnceAndOtherContentIsRejected) {
  Notification notification(3);
  AggregateSpec(notification).When(Send("n-1")).Then(EventsOf(Queued("n-1")));
  AggregateSpec(notification).Given(EventsOf(Queued("n-1"))).When(Send("n-1")).ThenNothing();
  AggregateSpec(notification).Given(EventsOf(Queued("n-1"))).When(Send("n-1", "bob@example.com"))
      .ThenRejects(StatusCode::kAlreadyExists, "other content");
}

TEST(NotificationRules, ADeliveredAttemptIsSentAndTakesNoMoreAttempts) {
  Notification notification(3);
  NotificationSent sent;
  sent.set_notification_id("n-1");
  sent.set_attempt(1);
  AggregateSpec(notification).Given(EventsOf(Queued("n-1"))).When(Deliver("n-1")).Then(EventsOf(sent));
  AggregateSpec(notification).Given(EventsOf(Queued("n-1"), sent)).When(Deliver("n-1")).ThenNothing();
}

TEST(NotificationRules, FailedAttemptsAreCountedAndTheLastAllowedGivesUp) {
  Notification notification(3);
  const std::string error = "mailbox ada@example.com rejected the message";
  AggregateSpec(notification).Given(EventsOf(Queued("n-1"))).When(Deliver("n-1", error))
      .Then(EventsOf(Failed("n-1", 1, error, false)));
  AggregateSpec(notification).Given(EventsOf(Queued("n-1"), Failed("n-1", 1, error, false), Failed("n-1", 2, error, false)))
      .When(Deliver("n-1", error)).Then(EventsOf(Failed("n-1", 3, error, true)));
  AggregateSpec(notification).Given(EventsOf(Queued("n-1"), Failed("n-1", 3, error, true))).When(Deliver("n-1"))
      .ThenRejects(StatusCode::kFailedPrecondition, "gave up after 3 attempts");
}

TEST(NotificationRules, ATransientFailureIsFollowedByASuccessfulRetry) {
  Notification notification(3);
  NotificationSent sent;
  sent.set_notification_id("n-1");
  sent.set_attempt(2);
  AggregateSpec(notification).Given(EventsOf(Queued("n-1"), Failed("n-1", 1, "timeout", false))).When(Deliver("n-1"))
      .Then(EventsOf(sent));
}

TEST(NotificationRules, InvalidCommandsAreRejected) {
  Notification notification(3);
  AggregateSpec(notification).When(Send("")).ThenRejects(StatusCode::kInvalidArgument, "notification id");
  AggregateSpec(notification).When(Send("n-1", "not-an-address")).ThenRejects(StatusCode::kInvalidArgument, "email");
  AggregateSpec(notification).When(Send("n-1", "ada@example.com", "")).ThenRejects(StatusCode::kInvalidArgument, "order id");
  AggregateSpec(notification).When(Deliver("n-9")).ThenRejects(StatusCode::kNotFound);
}

TEST(NotificationRules, AnAttemptCanQueueTheNotificationFirst) {
  Notification notification(3);
  NotificationCommand deliver = Deliver("n-1");
  *deliver.mutable_deliver()->mutable_queue() = Send("n-1").send();
  NotificationSent sent;
  sent.set_notification_id("n-1");
  sent.set_attempt(1);
  AggregateSpec(notification).When(deliver).Then(EventsOf(Queued("n-1"), sent));
  deliver.mutable_deliver()->mutable_queue()->set_notification_id("n-2");
  AggregateSpec(notification).When(deliver).ThenRejects(StatusCode::kInvalidArgument, "another notification id");
}

}  // namespace
}  // namespace cairn::commerce
