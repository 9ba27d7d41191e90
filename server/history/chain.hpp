// chain.hpp — a version's text from its chain of deltas (store/history.hpp's invariant: the deltas
// of every version up to k, applied in order, are version k's state), and the merge that hands a
// leaving version's delta to the next one. Used by the versions API and by the room's restore
// and thinning; runs on the blocking pool (reads the store).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "crdt/doc.hpp"
#include "store/history.hpp"

namespace weft::history {

// Version `version_id` as a doc (nullptr when the document has no such version). Throws as
// version_text does.
std::unique_ptr<crdt::Doc> version_doc(store::Store& store, int64_t document_id,
                                       int64_t version_id);

// The text (Y.Text "content") of version `version_id`, or nullopt when the document has no such
// version. Throws StoreError, or crdt::DecodeError for a stored delta that does not decode.
std::optional<std::string> version_text(store::Store& store, int64_t document_id,
                                        int64_t version_id);

// The texts of versions `a` and `b` of one document (nullopt for one it does not have), from one
// walk of the newer one's chain: the older is on the way (a diff rebuilds once, not twice).
std::pair<std::optional<std::string>, std::optional<std::string>> version_texts(store::Store& store,
                                                                                int64_t document_id,
                                                                                int64_t a,
                                                                                int64_t b);

// What identifies a document state: its state vector and its delete set (sorted and merged), in the
// encodings the doc writes, so equal states give equal bytes on every instance. `state` is the
// state as one update.
store::Bytes fingerprint_of(const store::Bytes& state_vector, const store::Bytes& state);

// A capture's delta (store::DeltaFn): the items of `state` beyond the head's state vector, and only
// the deletions the head's fingerprint does not have — a delta never repeats the deletions of the
// versions before it, so rebuilding version k applies each deletion once, not k times. The whole
// state when there is no head.
store::Bytes capture_delta(const store::Bytes& state, const std::optional<store::Bytes>& head_sv,
                           const std::optional<store::Bytes>& head_fingerprint);

// Whether an update holding every struct beyond the state vector `base` (empty: the whole state)
// holds every struct beyond the head's state vector `head_sv` too, so that capture_delta may take
// the delta from it: when `base` is empty, or the head has every clock of `base`.
bool covers_head(const store::Bytes& base, const std::optional<store::Bytes>& head_sv);

// The whole state for a capture that holds only what is new since its room's last capture, when
// the head does not cover it (covers_head is false: another instance captured in between, or the
// newest version was deleted): the state of the newest version's chain with `update` applied.
// nullopt when that state lacks structs `update` builds on (the base's own version is gone), or
// the document has no version. Throws as version_text does.
std::optional<store::Bytes> whole_state(store::Store& store, int64_t document_id,
                                        const store::Bytes& update);

// Y.mergeUpdates of two consecutive deltas (store::MergeFn).
store::Bytes merge_deltas(const store::Bytes& older, const store::Bytes& newer);

// Y.mergeUpdates of a checkpoint's way (store::MergeAllFn): the state it comes to, as one update.
store::Bytes merge_all(const std::vector<store::Bytes>& updates);

// A version gets a checkpoint (its whole state) when this many versions came after the last one:
// a rebuild then applies one state and at most this many deltas (History::checkpoint).
inline constexpr size_t kCheckpointEvery = 64;

}  // namespace weft::history
