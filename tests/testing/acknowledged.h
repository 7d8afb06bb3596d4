// What crash_appender printed before it was killed: one acknowledged event
// per whole line. Shared by the store's crash tests and the chaos soak.
#ifndef CAIRN_TESTS_TESTING_ACKNOWLEDGED_H_
#define CAIRN_TESTS_TESTING_ACKNOWLEDGED_H_

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace cairn::testing {

struct Acknowledged {
  uint64_t position;
  std::string event_id;
  std::string stream;
  uint64_t version;
};

// The "position event_id stream version" lines of `out`; a last line the
// kill cut short was never acknowledged in full and is left out.
inline std::vector<Acknowledged> ParseAcknowledged(const std::string& out) {
  std::vector<Acknowledged> acknowledged;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (lines.eof()) break;
    Acknowledged ack;
    std::istringstream fields(line);
    if (fields >> ack.position >> ack.event_id >> ack.stream >> ack.version) acknowledged.push_back(ack);
  }
  return acknowledged;
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_ACKNOWLEDGED_H_
