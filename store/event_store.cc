#include "store/event_store.h"


namespace cairn {

std::string_view CategoryOf(std::string_view stream) {
  size_t dash = stream.find('-');
  return dash == std::string_view::npos ? stream : stream.substr(0, dash);
}

namespace {

// Writes `value` as `digits` decimal digits, zero-padded, ending before `end`.
char* PutDigits(char* end, int64_t value, int digits) {
  for (int i = 0; i < digits; ++i, value /= 10) *--end = static_cast<char>('0' + value % 10);
  return end;
}

}  // namespace

// Projections format a time for every event, so this is plain arithmetic
// (the proleptic Gregorian calendar counted in 400-year eras) rather than
// gmtime and strftime, which cost more than the SQL that stores the result.
std::string FormatTimestamp(int64_t micros) {
  const int64_t seconds = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  const int64_t fraction = micros - seconds * 1000000;
  const int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  const int64_t second_of_day = seconds - days * 86400;
  // Days since 0000-03-01, so that a leap day is the last day of its year.
  const int64_t shifted = days + 719468;
  const int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
  const int64_t day_of_era = shifted - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;  // 0 = March
  const int64_t day = day_of_year - (153 * month_index + 2) / 5 + 1;
  const int64_t month = month_index < 10 ? month_index + 3 : month_index - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return std::to_string(micros) + "us";  // outside what ISO 8601 writes in 4 digits
  char text[] = "YYYY-MM-DDThh:mm:ss.uuuuuuZ";
  PutDigits(text + 4, year, 4);
  PutDigits(text + 7, month, 2);
  PutDigits(text + 10, day, 2);
  PutDigits(text + 13, second_of_day / 3600, 2);
  PutDigits(text + 16, second_of_day / 60 % 60, 2);
  PutDigits(text + 19, second_of_day % 60, 2);
  PutDigits(text + 26, fraction, 6);
  return std::string(text, sizeof(text) - 1);
}

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny: return "any";
    case Kind::kNoStream: return "no-stream";
    case Kind::kStreamExists: return "exists";
    case Kind::kExact: return std::to_string(version_);
  }
  return "?";
}

Result<AppendResult> EventStore::Append(std::string stream, ExpectedVersion expected,
                                        std::vector<EventData> events) {
  std::vector<StreamAppend> appends(1);
  appends[0].stream = std::move(stream);
  appends[0].expected = expected;
  appends[0].events = std::move(events);
  return Append(appends);
}

void EventStore::AppendAsync(std::vector<StreamAppend> appends, AppendCallback done) { done(Append(appends)); }

}  // namespace cairn
