// TypedProjector: the base of a projector over protobuf events. It decodes
// (and upcasts) each event once, through the registry, and calls the handler
// registered for its message type; event_types() are those types, so the
// runner hands it nothing else.
//
//   class OrderTotals final : public TypedProjector {
//    public:
//     explicit OrderTotals(const EventTypeRegistry& types) : TypedProjector(types) {
//       On(&OrderTotals::Placed);
//       On<OrderCancelled>([](const RecordedEvent&, const OrderCancelled& c, Database& db) { ... });
//     }
//     ...
//    private:
//     Status Placed(const RecordedEvent& event, const OrderPlaced& placed, Database& db);
//   };
//
// Thread safety: as Projector.
#ifndef CAIRN_PROJECTIONS_TYPED_PROJECTOR_H_
#define CAIRN_PROJECTIONS_TYPED_PROJECTOR_H_

#include <google/protobuf/message.h>

#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "engine/event_types.h"
#include "projections/projector.h"

namespace cairn::projections {

class TypedProjector : public Projector {
 public:
  std::set<std::string> event_types() const override { return handled_; }
  std::set<std::string> categories() const override { return categories_; }
  // DataLoss or Internal when the event does not decode; else the handler's status.
  Status Apply(const RecordedEvent& event, Database& db) final;

 protected:
  // `types` must outlive the projector.
  explicit TypedProjector(const EventTypeRegistry& types) : types_(types) {}

  // Calls `handler(event, message, db)` for events whose message is a T. A
  // generic lambda may be registered for several types.
  template <typename T, typename Handler>
  void On(Handler handler) {
    handlers_[T::descriptor()] = [handler = std::move(handler)](const RecordedEvent& event,
                                                                const google::protobuf::Message& message,
                                                                Database& db) -> Status {
      return handler(event, static_cast<const T&>(message), db);
    };
    handled_.insert(std::string(T::descriptor()->name()));
  }
  // The same with a member function of the derived projector.
  template <typename Self, typename T>
  void On(Status (Self::*handler)(const RecordedEvent&, const T&, Database&)) {
    Self* self = static_cast<Self*>(this);
    On<T>([self, handler](const RecordedEvent& event, const T& message, Database& db) {
      return (self->*handler)(event, message, db);
    });
  }
  // The categories its events come from (see Projector::categories).
  void FromCategories(std::set<std::string> categories) { categories_ = std::move(categories); }

 private:
  using Handler = std::function<Status(const RecordedEvent&, const google::protobuf::Message&, Database&)>;

  const EventTypeRegistry& types_;
  DecodeScratch scratch_;  // Apply of one projector never runs on two threads at once
  std::unordered_map<const google::protobuf::Descriptor*, Handler> handlers_;
  std::set<std::string> handled_;
  std::set<std::string> categories_;
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_TYPED_PROJECTOR_H_
