// Check: a property a fuzz target asserts. A broken one aborts, which
// libFuzzer reports together with the input that broke it.
#ifndef CAIRN_TESTS_FUZZ_FUZZ_CHECK_H_
#define CAIRN_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

namespace cairn::fuzz {

inline void Check(bool holds, const std::string& what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property broken: %s\n", what.c_str());
  std::abort();
}

}  // namespace cairn::fuzz

#endif  // CAIRN_TESTS_FUZZ_FUZZ_CHECK_H_
