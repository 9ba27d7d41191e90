// store.hpp — the persistence interface of the server: documents and their durable update log.
//
// The server appends every applied update to `document_updates` (in batches), loads a document as
// its merged state (`documents.yjs_state`) plus the updates logged since, and now and then compacts
// the log into the state. Adapters: sqlite/ (default, a file in the data directory) and postgres/
// (several instances sharing one database); both pass the same test suite (store/tests). Adapters
// know nothing about Yjs: merging is a function the caller passes to compact().
//
// Thread safety: every method may be called from any thread; adapters serialize internally.
// Errors: adapters throw StoreError (connection lost, constraint violated, I/O).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace store {

using Bytes = std::vector<uint8_t>;

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StoredDocument {
  int64_t id = 0;
  std::optional<Bytes> yjs_state;  // merged state, absent until the first compaction
  std::vector<Bytes> updates;      // logged since, oldest first
};

struct UpdateRow {
  int64_t document_id;
  std::shared_ptr<const Bytes> data;
};

// Merges a stored state and the update log after it into one state and its plain text.
struct Merged {
  Bytes state;
  std::string content;
};
using Merger =
    std::function<Merged(const std::optional<Bytes>& state, const std::vector<Bytes>& updates)>;

class Store {
 public:
  virtual ~Store() = default;

  // Creates the documents row `id` if it does not exist (documents without an owner, until
  // accounts exist). Ids must be positive.
  virtual void ensure_document(int64_t id) = 0;
  virtual bool document_exists(int64_t id) = 0;
  // The document's state and log, or nullopt when there is no such document.
  virtual std::optional<StoredDocument> load(int64_t id) = 0;
  // Appends all rows in one transaction (all or nothing), in order.
  virtual void append_updates(const std::vector<UpdateRow>& rows) = 0;
  // In one transaction: reads the state and every logged update of `id`, merges them with
  // `merge`, stores the merged state and content (and updated_at), and deletes exactly the
  // updates it merged. Updates appended concurrently are not lost. Returns how many were merged.
  virtual size_t compact(int64_t id, const Merger& merge) = 0;
  // The plain-text snapshot `documents.content` (as of the last compaction).
  virtual std::optional<std::string> content(int64_t id) = 0;
  // True when the database answers (for /readyz).
  virtual bool ping() = 0;
};

// Opens (creating if needed) the SQLite database at `path` in WAL mode and runs migrations.
std::unique_ptr<Store> open_sqlite(const std::string& path);

// Connects to the PostgreSQL database at `url` (a libpq connection string: postgresql://… or
// key=value), keeping up to `pool_size` connections, and runs migrations. Throws StoreError when
// the database cannot be reached or migrated.
std::unique_ptr<Store> open_postgres(const std::string& url, size_t pool_size);

}  // namespace store
