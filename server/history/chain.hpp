// chain.hpp — a version's text from its chain of deltas (store/history.hpp's invariant: the deltas
// of every version up to k, applied in order, are version k's state), and the merge that hands a
// leaving version's delta to the next one. Used by the versions API and by the room's restore
// and thinning; runs on the blocking pool (reads the store).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/history.hpp"

namespace weft::history {

// The text (Y.Text "content") of version `version_id`, or nullopt when the document has no such
// version. Throws StoreError, or crdt::DecodeError for a stored delta that does not decode.
std::optional<std::string> version_text(store::Store& store, int64_t document_id,
                                        int64_t version_id);

// Y.mergeUpdates of two consecutive deltas (store::MergeFn).
store::Bytes merge_deltas(const store::Bytes& older, const store::Bytes& newer);

}  // namespace weft::history
