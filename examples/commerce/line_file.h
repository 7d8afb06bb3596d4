// The files of JSON lines that the simulated outside systems (the payment
// ledger, the mail file) append to, one line per change.
#ifndef CAIRN_EXAMPLES_COMMERCE_LINE_FILE_H_
#define CAIRN_EXAMPLES_COMMERCE_LINE_FILE_H_

#include <string>
#include <vector>

#include "store/status.h"

namespace cairn::commerce {

// The whole lines of the file at `path`; none when it does not exist. A
// process killed inside a write leaves part of a line at the end (a write
// that crosses a page can stop between pages). That change never happened:
// the part is cut off the file, so that the next line does not land after
// it. Unavailable when the file cannot be read or cut.
Result<std::vector<std::string>> ReadWholeLines(const std::string& path);

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_LINE_FILE_H_
