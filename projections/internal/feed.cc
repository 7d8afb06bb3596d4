#include "projections/internal/feed.h"

namespace cairn::projections::internal {
namespace {

constexpr std::string_view kKafkaPrefix = "kafka:";

std::string Describe(std::string_view feed) {
  if (feed == kStoreFeed) return "the store";
  if (feed == kKafkaPrefix) return "Kafka";
  return "Kafka (group " + std::string(feed.substr(kKafkaPrefix.size())) + ")";
}

Result<bool> HasRows(Database& db, std::string_view table) {
  CAIRN_ASSIGN_OR_RETURN(Statement exists, db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1"));
  exists.Bind(1, table);
  CAIRN_ASSIGN_OR_RETURN(bool found, exists.Step());
  if (!found) return false;
  CAIRN_ASSIGN_OR_RETURN(Statement any, db.Prepare("SELECT 1 FROM " + std::string(table) + " LIMIT 1"));
  return any.Step();
}

}  // namespace

std::string KafkaFeed(std::string_view group) { return std::string(kKafkaPrefix) + std::string(group); }

bool IsKafkaFeed(std::string_view feed) { return feed.substr(0, kKafkaPrefix.size()) == kKafkaPrefix; }

Result<std::string> LoadFeed(Database& db) {
  CAIRN_ASSIGN_OR_RETURN(bool recorded, HasRows(db, "cairn_feed"));
  if (recorded) {
    CAIRN_ASSIGN_OR_RETURN(Statement read, db.Prepare("SELECT feed FROM cairn_feed"));
    CAIRN_RETURN_IF_ERROR(read.Step().status());
    return read.Text(0);
  }
  CAIRN_ASSIGN_OR_RETURN(bool has_offsets, HasRows(db, "cairn_offsets"));
  if (has_offsets) return std::string(kKafkaPrefix);
  CAIRN_ASSIGN_OR_RETURN(bool has_checkpoint, HasRows(db, "cairn_checkpoint"));
  return has_checkpoint ? std::string(kStoreFeed) : std::string();
}

Status ClaimFeed(Database& db, const std::string& name, std::string_view feed) {
  CAIRN_ASSIGN_OR_RETURN(std::string recorded, LoadFeed(db));
  const bool same = recorded == feed || (IsKafkaFeed(recorded) && IsKafkaFeed(feed));
  if (!recorded.empty() && !same) {
    return InvalidArgumentError("read model " + name + " is fed by " + Describe(recorded) + ", not by " +
                                Describe(feed) + "; run it from its own feed, or reset it to feed it from here"
                                " (cairn projections reset " + name + ", then cairn projections rebuild " + name +
                                " to build it from the store at once)");
  }
  if (recorded == feed) return OkStatus();
  CAIRN_RETURN_IF_ERROR(db.Exec("CREATE TABLE IF NOT EXISTS cairn_feed (feed TEXT NOT NULL)"));
  CAIRN_RETURN_IF_ERROR(db.Exec("DELETE FROM cairn_feed"));
  return db.Run("INSERT INTO cairn_feed (feed) VALUES (?1)", feed);
}

Status CreateKafkaProgressTables(Database& db) {
  return db.Exec(
      "CREATE TABLE IF NOT EXISTS cairn_offsets (topic TEXT NOT NULL, partition INTEGER NOT NULL,"
      " next_offset INTEGER NOT NULL, PRIMARY KEY (topic, partition));"
      "CREATE TABLE IF NOT EXISTS cairn_stream_versions (stream TEXT PRIMARY KEY, version INTEGER NOT NULL);");
}

}  // namespace cairn::projections::internal
