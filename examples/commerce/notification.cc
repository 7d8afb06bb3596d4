#include "examples/commerce/notification.h"

#include "examples/commerce/rules.h"

namespace cairn::commerce {
namespace {

Result<Events> DecideSend(const NotificationState& state, const SendNotification& send) {
  CAIRN_RETURN_IF_ERROR(RequireId("notification id", send.notification_id()));
  CAIRN_RETURN_IF_ERROR(RequireText("recipient", send.recipient(), true));
  if (send.recipient().find('@') == std::string::npos) {
    return InvalidArgumentError("recipient " + send.recipient() + " is not an email address");
  }
  CAIRN_RETURN_IF_ERROR(RequireId("template", send.template_name()));
  CAIRN_RETURN_IF_ERROR(RequireId("order id", send.order_id()));
  if (state.status() != NotificationState::STATUS_NONE) {
    if (state.recipient() == send.recipient() && state.template_name() == send.template_name() &&
        state.order_id() == send.order_id()) {
      return Events{};
    }
    return AlreadyExistsError("notification " + send.notification_id() + " already exists with other content");
  }
  NotificationQueued queued;
  queued.set_notification_id(send.notification_id());
  queued.set_recipient(send.recipient());
  queued.set_template_name(send.template_name());
  queued.set_order_id(send.order_id());
  return EventsOf(std::move(queued));
}

}  // namespace

const std::string& Notification::IdOf(const Command& command) {
  static const std::string kNone;
  switch (command.kind_case()) {
    case NotificationCommand::kSend: return command.send().notification_id();
    case NotificationCommand::kDeliver: return command.deliver().notification_id();
    case NotificationCommand::KIND_NOT_SET: break;
  }
  return kNone;
}

Result<Events> Notification::Decide(const State& state, const Command& command) const {
  if (command.has_send()) return DecideSend(state, command.send());
  if (!command.has_deliver()) return InvalidArgumentError("empty notification command");
  const DeliverNotification& deliver = command.deliver();
  const std::string& id = deliver.notification_id();
  CAIRN_RETURN_IF_ERROR(RequireId("notification id", id));
  Events events;
  NotificationState now = state;
  if (state.status() == NotificationState::STATUS_NONE) {
    if (!deliver.has_queue()) return NotFoundError("notification " + id + " not found");
    if (deliver.queue().notification_id() != id) {
      return InvalidArgumentError("notification " + id + " queues another notification id");
    }
    CAIRN_ASSIGN_OR_RETURN(events, DecideSend(state, deliver.queue()));
    for (const auto& event : events) Evolve(now, *event);
  }
  switch (now.status()) {
    case NotificationState::SENT: return Events{};  // delivered already
    case NotificationState::GAVE_UP:
      return Rejected("notification " + id + " gave up after " + std::to_string(now.attempts()) + " attempts");
    default: break;
  }
  const int attempt = now.attempts() + 1;
  if (deliver.delivered()) {
    NotificationSent sent;
    sent.set_notification_id(id);
    sent.set_attempt(attempt);
    events.push_back(std::make_unique<NotificationSent>(std::move(sent)));
    return events;
  }
  CAIRN_RETURN_IF_ERROR(RequireText("error", deliver.error(), true));
  NotificationFailed failed;
  failed.set_notification_id(id);
  failed.set_attempt(attempt);
  failed.set_error(deliver.error());
  failed.set_gave_up(attempt >= max_attempts_);
  events.push_back(std::make_unique<NotificationFailed>(std::move(failed)));
  return events;
}

void Notification::Evolve(State& state, const google::protobuf::Message& event) const {
  if (const auto* queued = As<NotificationQueued>(event)) {
    state.set_notification_id(queued->notification_id());
    state.set_status(NotificationState::QUEUED);
    state.set_recipient(queued->recipient());
    state.set_template_name(queued->template_name());
    state.set_order_id(queued->order_id());
  } else if (const auto* sent = As<NotificationSent>(event)) {
    state.set_status(NotificationState::SENT);
    state.set_attempts(sent->attempt());
  } else if (const auto* failed = As<NotificationFailed>(event)) {
    state.set_attempts(failed->attempt());
    state.set_last_error(failed->error());
    if (failed->gave_up()) state.set_status(NotificationState::GAVE_UP);
  }
}

}  // namespace cairn::commerce
