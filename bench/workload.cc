#include "bench/workload.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "store/proto/event_record.pb.h"

namespace cairn::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string BigEndian(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, value >>= 8) out[i] = static_cast<char>(value & 0xff);
  return out;
}

const char* kFamilies[] = {"default", "events", "streams", "stream_heads", "categories",
                           "event_ids", "checkpoints", "snapshots", "schemas", "meta"};

struct RawDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  ~RawDb() {
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  }
};

bool OpenRaw(const std::string& dir, bool read_only, RawDb& raw) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kFamilies) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  rocksdb::DB* db = nullptr;
  rocksdb::Status status = read_only ? rocksdb::DB::OpenForReadOnly(options, dir, descriptors, &raw.handles, &db)
                                     : rocksdb::DB::Open(options, dir, descriptors, &raw.handles, &db);
  raw.db.reset(db);
  return status.ok();
}

}  // namespace

Workload MakeWorkload(uint64_t events) {
  Workload workload;
  workload.streams.reserve(events);
  workload.events.reserve(events);
  const std::string payload = "{\"sku\":\"" + std::string(kPayloadBytes - 12, 'x') + "\"}";
  for (uint64_t i = 0; i < events; ++i) {
    workload.streams.push_back("bench-" + std::to_string(i % kStreams));
    EventData& event = workload.events.emplace_back();
    event.event_id = Uuid::Random();
    event.type = "ItemAdded";
    event.data = payload;
  }
  return workload;
}

Status AppendWorkload(EventStore& store, const Workload& workload, uint64_t begin, uint64_t end, int batch,
                      int stride) {
  std::vector<StreamAppend> appends;
  for (uint64_t i = begin; i < end;) {
    appends.clear();
    for (int n = 0; n < batch && i < end; ++n, i += stride) {
      StreamAppend& append = appends.emplace_back();
      append.stream = workload.streams[i];
      append.events.push_back(workload.events[i]);
    }
    if (appends.size() > 1) {
      std::sort(appends.begin(), appends.end(), [](const auto& a, const auto& b) { return a.stream < b.stream; });
      std::vector<StreamAppend> merged;
      for (auto& append : appends) {
        if (!merged.empty() && merged.back().stream == append.stream) {
          merged.back().events.push_back(std::move(append.events.front()));
        } else {
          merged.push_back(std::move(append));
        }
      }
      appends.swap(merged);
    }
    CAIRN_RETURN_IF_ERROR(store.Append(appends).status());
  }
  return OkStatus();
}

LatencyPercentiles Percentiles(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  auto at = [&](size_t per_mille) { return values[std::min(values.size() - 1, values.size() * per_mille / 1000)]; };
  return {at(500), at(900), at(990), at(999)};
}

double RunRawBaseline(const Workload& workload, const BaselineOptions& options, const std::string& dir) {
  RawDb raw;
  if (!OpenRaw(dir, false, raw)) return 0;
  // Every key and value prepared up front: the timed part is RocksDB alone.
  std::vector<rocksdb::WriteBatch> batches;
  std::map<std::string, uint64_t> versions;
  const uint64_t count = workload.events.size();
  store::EventRecord record;
  for (uint64_t start = 0; start < count; start += options.batch) {
    rocksdb::WriteBatch& batch = batches.emplace_back();
    std::map<std::string, store::StreamHead> heads;
    uint64_t end = std::min<uint64_t>(count, start + options.batch);
    for (uint64_t i = start; i < end; ++i) {
      const uint64_t position = i + 1;
      const std::string& stream = workload.streams[i];
      const EventData& event = workload.events[i];
      uint64_t version = versions[stream]++;
      record.set_event_id(std::string(event.event_id->bytes()));
      record.set_stream(stream);
      record.set_version(version);
      record.set_position(position);
      record.set_type(event.type);
      record.set_schema_version(1);
      record.set_content_type(event.content_type);
      record.set_recorded_at_us(1);
      record.set_data(event.data);
      record.set_chain_hash(std::string(32, 'h'));
      const std::string key = BigEndian(position);
      batch.Put(raw.handles[1], key, record.SerializeAsString());
      batch.Put(raw.handles[2], stream + '\0' + BigEndian(version), key);
      batch.Put(raw.handles[4], std::string("bench") + '\0' + key, rocksdb::Slice());
      batch.Put(raw.handles[5], event.event_id->bytes(), key);
      heads[stream].set_last_version(version);
      heads[stream].set_last_position(position);
    }
    for (const auto& [stream, head] : heads) batch.Put(raw.handles[3], stream, head.SerializeAsString());
    batch.Put(raw.handles[9], "head", BigEndian(end) + std::string(32, 'h'));
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options.sync;
  const auto start = Clock::now();
  for (rocksdb::WriteBatch& batch : batches) {
    if (!raw.db->Write(write_options, &batch).ok()) return 0;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return count / seconds;
}

double RunRawScan(const std::string& data_dir, uint64_t* records) {
  RawDb raw;
  if (!OpenRaw(data_dir, true, raw)) return 0;
  uint64_t n = 0, bytes = 0;
  const auto start = Clock::now();
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), raw.handles[1]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    bytes += it->value().size();
    ++n;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  *records = n;
  return bytes > 0 ? n / seconds : 0;
}

}  // namespace cairn::bench
