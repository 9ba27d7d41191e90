// history.hpp — the versions of a document (DESIGN.md §7, wave 2 · 2), written once over the Sql
// primitive (Store::transact) like accounts.hpp, so SQLite and PostgreSQL run the same statements.
//
// A version is a captured state of a document. Its row keeps a *delta*, not a copy: the Yjs
// update that takes the state of the version before it (the chain's head when it was captured) to
// this one — the items beyond the head's state vector plus the state's delete set. Invariant: the
// text of version k is what a fresh Y.Doc holds after applying the deltas of every version of the
// document up to and including k, in id order (chain()). So the row of a version that goes (deleted
// by its owner, or thinned) hands its delta on: it is merged into the next version's delta, and
// every later version keeps its text. Storage is then about the text ever inserted, not one copy
// of the document per version.
//
// Capturing is idempotent per document state: a capture whose fingerprint (the caller's canonical
// encoding of state vector and delete set) equals the head's adds no row; its users are merged into
// the head's (several instances serving one document may capture the same state). Captures of one
// document are serialized (the document row is locked), so every delta is taken against the head
// that precedes it.
//
// This layer knows nothing of Yjs: the caller passes the functions that compute a delta and merge
// two deltas (as compact() takes a Merger). It also keeps which user each Yjs client id of a
// document belongs to (document_clients), from which the server computes blame. Times are ISO 8601
// UTC with milliseconds. Every method is one transaction; errors are StoreError.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"

namespace store {

// How much one user changed since the version before (UTF-16 units, as Yjs counts).
struct UserEdits {
  int64_t user_id = 0;
  int64_t inserted = 0;
  int64_t deleted = 0;
  bool operator==(const UserEdits&) const = default;
};

struct Version {
  int64_t id = 0;
  int64_t document_id = 0;
  std::string created_at{};
  std::optional<std::string> name{};  // named versions are never thinned
  std::string kind{};                 // why it was captured: auto, named, restore, replace, oops
  int64_t size = 0;                   // UTF-8 bytes of its text
  std::vector<int64_t> user_ids{};    // users who edited since the version before it (ascending)
  std::vector<UserEdits> edits{};     // the same users, with how much each changed
};

struct Capture {
  int64_t document_id = 0;
  std::string kind{};
  std::optional<std::string> name{};  // a named capture always names a version (see capture())
  Bytes state_vector{};               // of the captured state (encoded Yjs state vector)
  Bytes fingerprint{};                // canonical state vector + delete set: equal iff same state
  int64_t size = 0;
  std::vector<int64_t> user_ids{};
  std::vector<UserEdits> edits{};  // amounts for some of user_ids (or users not in it)
};

// A Yjs client id of a document and the user whose updates brought it (authorship).
struct ClientAuthor {
  uint64_t client = 0;
  int64_t user_id = 0;
};

// A restore re-inserts a version's text as new items; each alias says that `length` characters
// from (client, clock) are the ones from (origin_client, origin_clock) on, so blame can name their
// author and time.
struct Alias {
  uint64_t client = 0;
  uint64_t clock = 0;
  uint64_t length = 0;
  uint64_t origin_client = 0;
  uint64_t origin_clock = 0;
  bool operator==(const Alias&) const = default;
};

// A version's place in time, for blame: an item (client, clock) first appears in the oldest
// version whose state vector passes its clock.
struct VersionPoint {
  int64_t id = 0;
  std::string created_at{};
  Bytes state_vector{};
};

// The delta from the head (its state vector and fingerprint; nullopt: there is no version yet) to
// the captured state.
using DeltaFn = std::function<Bytes(const std::optional<Bytes>& head_state_vector,
                                    const std::optional<Bytes>& head_fingerprint)>;
// Merges two consecutive deltas (older first) into one (Y.mergeUpdates).
using MergeFn = std::function<Bytes(const Bytes& older, const Bytes& newer)>;
// Merges updates, oldest first, into one (Y.mergeUpdates), for checkpoints.
using MergeAllFn = std::function<Bytes(const std::vector<Bytes>& updates)>;

// What rebuilding one version takes (History::rebuild): `updates`, applied in order to a fresh
// doc, are its state; after updates[i] the doc holds version ids[i]. updates[0] is a checkpoint's
// whole state when `from_checkpoint`, else the first version's delta.
struct Rebuild {
  bool from_checkpoint = false;
  std::vector<int64_t> ids;
  std::vector<Bytes> updates;
};

class History {
 public:
  explicit History(Store& store) : store_(store) {}

  // Adds a version, or returns the head when its fingerprint equals c.fingerprint (users merged;
  // a named capture of the head's state names the head when it has no name, and otherwise adds a
  // version of the same state under the new name). `delta` runs inside the transaction.
  Version capture(const Capture& c, const DeltaFn& delta);
  // Newest first: at most `limit` versions with id < `before` (all when nullopt).
  std::vector<Version> list(int64_t document_id, std::optional<int64_t> before, size_t limit);
  std::optional<Version> get(int64_t document_id, int64_t version_id);
  // The newest version, if any.
  std::optional<Version> head(int64_t document_id);
  // The deltas of every version of the document up to and including `version_id`, oldest first
  // (empty when there is no such version).
  std::vector<Bytes> chain(int64_t document_id, int64_t version_id);
  // The shortest way to version `version_id`: the nearest checkpoint at or before it and the
  // deltas after that, or the whole chain when there is none (empty when there is no such
  // version). A checkpoint (document_checkpoints, migration 6) is the whole state of its version:
  // the union of the deltas up to it, which thinning and deleting earlier versions keep as it is
  // (their deltas go to later versions up to it); it goes with its version.
  Rebuild rebuild(int64_t document_id, int64_t version_id);
  // Gives version `version_id` a checkpoint when `every` or more versions up to it come after the
  // last checkpoint (or the chain's start): its state is `merge` of what rebuild() returns. False
  // when none was due or there is no such version.
  bool checkpoint(int64_t document_id, int64_t version_id, size_t every, const MergeAllFn& merge);
  // Sets or clears the name; false when there is no such version.
  bool rename(int64_t document_id, int64_t version_id, const std::optional<std::string>& name);
  // Deletes the version, handing its delta to the next one with `merge`; false when there is no
  // such version.
  bool remove(int64_t document_id, int64_t version_id, const MergeFn& merge);
  // Thinning: deletes the versions `pick` chooses among the document's (oldest first), each as
  // remove() does, in one transaction. Returns how many went.
  size_t thin(int64_t document_id,
              const std::function<std::vector<int64_t>(const std::vector<Version>&)>& pick,
              const MergeFn& merge);
  // Every version's id, time and state vector, oldest first, up to `up_to` (all when nullopt).
  std::vector<VersionPoint> points(int64_t document_id, std::optional<int64_t> up_to);

  // ---- authorship ----
  // Records whose each client is; a client already recorded keeps its user (the first writer
  // wins, on every instance). Throws StoreError when the document is gone.
  void record_clients(int64_t document_id, const std::vector<ClientAuthor>& clients);
  // The recorded clients of the document (client → user).
  std::unordered_map<uint64_t, int64_t> clients(int64_t document_id);
  // Records restore aliases (one already recorded for the same client and clock stays).
  void record_aliases(int64_t document_id, const std::vector<Alias>& aliases);
  std::vector<Alias> aliases(int64_t document_id);

 private:
  Store& store_;
};

}  // namespace store
