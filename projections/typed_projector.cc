#include "projections/typed_projector.h"

namespace cairn::projections {

Status TypedProjector::Apply(const RecordedEvent& event, Database& db) {
  CAIRN_ASSIGN_OR_RETURN(const google::protobuf::Message* message, types_.Decode(event, scratch_));
  auto handler = handlers_.find(message->GetDescriptor());
  // An upcaster may turn an event into a type this model does not handle.
  if (handler == handlers_.end()) return OkStatus();
  return handler->second(event, *message, db);
}

}  // namespace cairn::projections
