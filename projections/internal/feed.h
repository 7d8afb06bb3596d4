// Which feed writes a read model, recorded in the model itself when it is
// created: "store" (progress is a gapless checkpoint, a global position) or
// "kafka:<group>" (progress is the next offset of every partition and the
// last version of every stream). Neither kind of progress means anything to
// the other runner, so each refuses a model the other writes.
#ifndef CAIRN_PROJECTIONS_INTERNAL_FEED_H_
#define CAIRN_PROJECTIONS_INTERNAL_FEED_H_

#include <string>
#include <string_view>

#include "projections/database.h"

namespace cairn::projections::internal {

inline constexpr std::string_view kStoreFeed = "store";
// "kafka:<group>"
std::string KafkaFeed(std::string_view group);
bool IsKafkaFeed(std::string_view feed);

// The feed recorded in `db`; empty for a model that has none yet. A model
// from before feeds were recorded that holds Kafka offsets is "kafka:".
Result<std::string> LoadFeed(Database& db);

// Records `feed` in a model that has none; InvalidArgument, naming the way
// out (a reset), when another feed writes `name`. A Kafka feed may take over a model of
// another group: its progress is kept in the model, not in the group.
Status ClaimFeed(Database& db, const std::string& name, std::string_view feed);

// cairn_offsets and cairn_stream_versions, a Kafka-fed model's progress.
Status CreateKafkaProgressTables(Database& db);

}  // namespace cairn::projections::internal

#endif  // CAIRN_PROJECTIONS_INTERNAL_FEED_H_
