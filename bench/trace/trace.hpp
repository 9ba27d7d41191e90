// trace.hpp — the sequential editing traces of tests/data/editing-traces (josephg/editing-traces):
// gzipped JSON {startContent: "", endContent, txns: [{patches: [[pos, deleteCount, insertText],
// ...]}]}, positions in characters. Shared by the benchmarks that replay a trace into a doc
// (bench/crdt, bench/history).
//
// The inserted text is converted to UTF-16 while loading, so that a timed loop sees ready-made
// strings as the JavaScript side does. Traces with characters outside the BMP are refused: such a
// character is one position in the trace but two UTF-16 units in Yjs.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

struct Patch {
  uint64_t pos;
  uint64_t del;
  std::u16string ins;
};
using Txn = std::vector<Patch>;

struct Trace {
  std::string name;  // file name without .json.gz
  std::string end_content;
  std::vector<Txn> txns;
};

class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws TraceError when the file cannot be read or is not a sequential trace of BMP text.
Trace load_trace(const std::string& path);

}  // namespace bench
