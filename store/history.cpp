// history.cpp — History over Store::transact: the same statements for SQLite and PostgreSQL.
//
// Rows of `document_versions` (migration 3) hold the delta chain of history.hpp. The functions
// here keep its invariant — the text of version k is the deltas of the document's versions up to
// k applied in id order — through the only three writes there are: capture appends a delta taken
// against the head's state vector, remove/thin fold a leaving version's delta into the next one
// (merge(older, newer)), and rename touches only the name.
//
// Serialization. capture, remove and thin first lock the document row, so on one document they
// run one after the other in every instance: a capture's delta is always taken against the head
// that is still the head when it commits, and a remove never merges into a version that a
// concurrent remove is deleting. SQLite needs no statement for that (transact() is BEGIN
// IMMEDIATE: one writer at a time), PostgreSQL takes `FOR NO KEY UPDATE` as compact() does — it
// excludes other lockers of the row but not appenders, whose foreign key holds KEY SHARE.
//
// Binary columns. SqlRow hands columns over as text, so BLOB/BYTEA columns are selected as hex
// (SQLite's hex(), PostgreSQL's encode(…, 'hex')) and decoded here; writes pass Bytes parameters.
//
// `users` is the ascending, comma-separated list of user ids ("" for none), each with how much that
// user inserted and deleted when that is not nothing ("7:120:4"); every write goes through
// users_text() (a map: sorted, once per user), and merging two lists adds the amounts.
//
// document_clients (migration 4) maps a document's Yjs client ids to users: INSERT … ON CONFLICT
// DO NOTHING, so the first record of a client stands on every instance.
#include "store/history.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <string_view>

namespace store {

namespace {

// Columns of a document_versions row, in Version's order; read by version_at().
constexpr std::string_view kVersionColumns = "id, document_id, created_at, name, kind, size, users";
constexpr size_t kVersionColumnCount = 7;

// Statement text from constant pieces (never from values).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

// A binary column as a statement selects it, and its bytes back from the row's text. SQLite hands
// a BLOB's bytes over as they are (sqlite3_column_text converts nothing for a BLOB); PostgreSQL's
// text protocol writes bytea as hex, so it is selected as plain hex and decoded.
std::string blob_of(const Sql& sql, std::string_view column) {
  return sql.dialect() == Dialect::kSqlite ? std::string(column)
                                           : cat({"encode(", column, ", 'hex')"});
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Bytes from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw StoreError("history: odd-length hex column");
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int high = hex_digit(hex[2 * i]);
    const int low = hex_digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) throw StoreError("history: a bytea column is not hex");
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return out;
}

Bytes bytes_of(const Sql& sql, const std::string& value) {
  return sql.dialect() == Dialect::kSqlite ? Bytes(value.begin(), value.end()) : from_hex(value);
}

// A users column: user id → (inserted, deleted).
using Users = std::map<int64_t, std::pair<int64_t, int64_t>>;

std::string users_text(const Users& users) {
  std::string out;
  for (const auto& [id, amounts] : users) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
    if (amounts.first != 0 || amounts.second != 0) {
      out += ':' + std::to_string(amounts.first) + ':' + std::to_string(amounts.second);
    }
  }
  return out;
}

int64_t number_in(std::string_view item, std::string_view whole) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
  if (ec != std::errc() || end != item.data() + item.size() || item.empty()) {
    throw StoreError("history: bad users list \"" + std::string(whole) + "\"");
  }
  return n;
}

// "id" or "id:inserted:deleted" entries, comma-separated (migrations 3 and 4).
Users users_of(std::string_view text) {
  Users out;
  const std::string_view whole = text;
  while (!text.empty()) {
    std::string_view item = text.substr(0, text.find(','));
    text.remove_prefix(std::min(text.size(), item.size() + 1));
    const size_t colon = item.find(':');
    const int64_t id = number_in(item.substr(0, colon), whole);
    auto& amounts = out[id];
    if (colon == std::string_view::npos) continue;
    item.remove_prefix(colon + 1);
    const size_t second = item.find(':');
    if (second == std::string_view::npos) throw StoreError("history: bad users list");
    amounts.first += number_in(item.substr(0, second), whole);
    amounts.second += number_in(item.substr(second + 1), whole);
  }
  return out;
}

Users joined(Users a, const Users& b) {
  for (const auto& [id, amounts] : b) {
    auto& sum = a[id];
    sum.first += amounts.first;
    sum.second += amounts.second;
  }
  return a;
}

Users users_of(const Capture& c) {
  Users out;
  for (const int64_t id : c.user_ids) out[id];
  for (const UserEdits& e : c.edits) {
    auto& sum = out[e.user_id];
    sum.first += e.inserted;
    sum.second += e.deleted;
  }
  return out;
}

void set_users(Version& v, const Users& users) {
  v.user_ids.clear();
  v.edits.clear();
  for (const auto& [id, amounts] : users) {
    v.user_ids.push_back(id);
    v.edits.push_back({.user_id = id, .inserted = amounts.first, .deleted = amounts.second});
  }
}

Users users_of_version(const Version& v) {
  Users out;
  for (const UserEdits& e : v.edits) out[e.user_id] = {e.inserted, e.deleted};
  return out;
}

Version version_at(const SqlRow& row) {
  Version v;
  v.id = row.int64(0);
  v.document_id = row.int64(1);
  v.created_at = row.timestamp(2);
  if (!row.is_null(3)) v.name = row.text(3);
  v.kind = row.text(4);
  v.size = row.int64(5);
  set_users(v, users_of(row.text(6)));
  return v;
}

// Locks the document row for the rest of the transaction (see the top of the file); false when
// there is no such document.
bool lock_document(Sql& sql, int64_t document_id) {
  const char* statement = sql.dialect() == Dialect::kSqlite
                              ? "SELECT id FROM documents WHERE id = $1"
                              : "SELECT id FROM documents WHERE id = $1 FOR NO KEY UPDATE";
  return !sql.exec(statement, {document_id}).empty();
}

std::optional<Version> one_version(Sql& sql, int64_t document_id, int64_t version_id) {
  const auto rows = sql.exec(cat({"SELECT ", kVersionColumns,
                                  " FROM document_versions WHERE document_id = $1 AND id = $2"}),
                             {document_id, version_id});
  if (rows.empty()) return std::nullopt;
  return version_at(rows[0]);
}

std::optional<Version> newest(Sql& sql, int64_t document_id) {
  const auto rows = sql.exec(cat({"SELECT ", kVersionColumns,
                                  " FROM document_versions WHERE document_id = $1"
                                  " ORDER BY id DESC LIMIT 1"}),
                             {document_id});
  if (rows.empty()) return std::nullopt;
  return version_at(rows[0]);
}

// The head with the binary columns capture compares and passes on.
struct Head {
  Version version;
  Bytes state_vector;
  Bytes fingerprint;
};

std::optional<Head> head_for_capture(Sql& sql, int64_t document_id) {
  const auto rows = sql.exec(cat({"SELECT ", kVersionColumns, ", ", blob_of(sql, "state_vector"),
                                  ", ", blob_of(sql, "fingerprint"),
                                  " FROM document_versions WHERE document_id = $1"
                                  " ORDER BY id DESC LIMIT 1"}),
                             {document_id});
  if (rows.empty()) return std::nullopt;
  return Head{.version = version_at(rows[0]),
              .state_vector = bytes_of(sql, rows[0].text(kVersionColumnCount)),
              .fingerprint = bytes_of(sql, rows[0].text(kVersionColumnCount + 1))};
}

// What remove hands on: a version's delta and users.
struct Link {
  Bytes delta;
  Users users;
};

Link link_at(Sql& sql, int64_t version_id) {
  const auto rows = sql.exec(
      cat({"SELECT ", blob_of(sql, "delta"), ", users FROM document_versions WHERE id = $1"}),
      {version_id});
  return Link{.delta = bytes_of(sql, rows.at(0).text(0)), .users = users_of(rows.at(0).text(1))};
}

// Deletes `run`, versions of the document that are consecutive in its chain (ascending ids, no
// other version between them), and hands their deltas and users on to the version after the last
// one. Merging as remove() would one at a time — merge(merge(d1, d2), next) for a run of two — but
// without writing the intermediate deltas. Nothing is merged when the run ends the chain: the
// versions after it are the ones that needed the deltas, and there are none.
void remove_run(Sql& sql, int64_t document_id, const std::vector<int64_t>& run,
                const MergeFn& merge) {
  const auto next = sql.exec(
      "SELECT id FROM document_versions WHERE document_id = $1 AND id > $2 ORDER BY id LIMIT 1",
      {document_id, run.back()});
  if (!next.empty()) {
    const int64_t next_id = next[0].int64(0);
    Link carried = link_at(sql, run.front());
    for (size_t i = 1; i < run.size(); ++i) {
      Link link = link_at(sql, run[i]);
      carried.delta = merge(carried.delta, link.delta);
      carried.users = joined(std::move(carried.users), link.users);
    }
    const Link after = link_at(sql, next_id);
    sql.exec("UPDATE document_versions SET delta = $2, users = $3 WHERE id = $1",
             {next_id, merge(carried.delta, after.delta),
              users_text(joined(std::move(carried.users), after.users))});
  }
  for (int64_t id : run) sql.exec("DELETE FROM document_versions WHERE id = $1", {id});
}

}  // namespace

Version History::capture(const Capture& c, const DeltaFn& delta) {
  Version out;
  store_.transact([&](Sql& sql) {
    if (!lock_document(sql, c.document_id)) {
      throw StoreError("history: no document " + std::to_string(c.document_id));
    }
    const std::optional<Head> head = head_for_capture(sql, c.document_id);
    if (head && head->fingerprint == c.fingerprint) {
      const Version& h = head->version;
      // Same state: the head stands for this capture unless both carry different names. An
      // unnamed head takes the capture's name and keeps its kind (why it was captured).
      if (!c.name || !h.name || *h.name == *c.name) {
        const std::optional<std::string> name = h.name ? h.name : c.name;
        const auto rows =
            sql.exec(cat({"UPDATE document_versions SET users = $2, name = $3 WHERE id = $1 "
                          "RETURNING ",
                          kVersionColumns}),
                     {h.id, users_text(joined(users_of_version(h), users_of(c))),
                      name ? SqlValue(*name) : SqlValue(nullptr)});
        out = version_at(rows.at(0));
        return;
      }
    }
    const Bytes d =
        head ? delta(head->state_vector, head->fingerprint) : delta(std::nullopt, std::nullopt);
    const auto rows =
        sql.exec(cat({"INSERT INTO document_versions "
                      "(document_id, name, kind, state_vector, fingerprint, delta, size, users) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
                      kVersionColumns}),
                 {c.document_id, c.name ? SqlValue(*c.name) : SqlValue(nullptr), c.kind,
                  c.state_vector, c.fingerprint, d, c.size, users_text(users_of(c))});
    out = version_at(rows.at(0));
  });
  return out;
}

std::vector<Version> History::list(int64_t document_id, std::optional<int64_t> before,
                                   size_t limit) {
  std::vector<Version> out;
  const int64_t below = before.value_or(std::numeric_limits<int64_t>::max());
  const auto capped = static_cast<int64_t>(
      std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(cat({"SELECT ", kVersionColumns,
                                    " FROM document_versions WHERE document_id = $1 AND id < $2"
                                    " ORDER BY id DESC LIMIT $3"}),
                               {document_id, below, capped});
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(version_at(row));
  });
  return out;
}

std::optional<Version> History::get(int64_t document_id, int64_t version_id) {
  std::optional<Version> found;
  store_.transact([&](Sql& sql) { found = one_version(sql, document_id, version_id); });
  return found;
}

std::optional<Version> History::head(int64_t document_id) {
  std::optional<Version> found;
  store_.transact([&](Sql& sql) { found = newest(sql, document_id); });
  return found;
}

std::vector<Bytes> History::chain(int64_t document_id, int64_t version_id) {
  std::vector<Bytes> out;
  store_.transact([&](Sql& sql) {
    if (!one_version(sql, document_id, version_id)) return;
    const auto rows = sql.exec(cat({"SELECT ", blob_of(sql, "delta"),
                                    " FROM document_versions WHERE document_id = $1 AND id <= $2"
                                    " ORDER BY id"}),
                               {document_id, version_id});
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(bytes_of(sql, row.text(0)));
  });
  return out;
}

namespace {

Rebuild rebuild_in(Sql& sql, int64_t document_id, int64_t version_id) {
  Rebuild out;
  if (!one_version(sql, document_id, version_id)) return out;
  const auto cp = sql.exec(cat({"SELECT version_id, ", blob_of(sql, "state"),
                                " FROM document_checkpoints WHERE document_id = $1 AND"
                                " version_id <= $2 ORDER BY version_id DESC LIMIT 1"}),
                           {document_id, version_id});
  int64_t after = 0;
  if (!cp.empty()) {
    out.from_checkpoint = true;
    after = cp[0].int64(0);
    out.ids.push_back(after);
    out.updates.push_back(bytes_of(sql, cp[0].text(1)));
  }
  const auto rows = sql.exec(cat({"SELECT id, ", blob_of(sql, "delta"),
                                  " FROM document_versions WHERE document_id = $1 AND id > $2"
                                  " AND id <= $3 ORDER BY id"}),
                             {document_id, after, version_id});
  for (const auto& row : rows) {
    out.ids.push_back(row.int64(0));
    out.updates.push_back(bytes_of(sql, row.text(1)));
  }
  return out;
}

}  // namespace

Rebuild History::rebuild(int64_t document_id, int64_t version_id) {
  Rebuild out;
  store_.transact([&](Sql& sql) { out = rebuild_in(sql, document_id, version_id); });
  return out;
}

bool History::checkpoint(int64_t document_id, int64_t version_id, size_t every,
                         const MergeAllFn& merge) {
  bool made = false;
  store_.transact([&](Sql& sql) {
    if (!lock_document(sql, document_id)) return;
    Rebuild r = rebuild_in(sql, document_id, version_id);
    const size_t since = r.ids.size() - (r.from_checkpoint ? 1 : 0);
    if (r.ids.empty() || since < every || (r.from_checkpoint && r.ids.size() == 1)) return;
    sql.exec(
        "INSERT INTO document_checkpoints (version_id, document_id, state) VALUES ($1, $2, $3) "
        "ON CONFLICT (version_id) DO NOTHING",
        {version_id, document_id, merge(r.updates)});
    made = true;
  });
  return made;
}

bool History::rename(int64_t document_id, int64_t version_id,
                     const std::optional<std::string>& name) {
  bool found = false;
  store_.transact([&](Sql& sql) {
    found = !sql.exec(
                    "UPDATE document_versions SET name = $3 WHERE document_id = $1 AND id = $2 "
                    "RETURNING id",
                    {document_id, version_id, name ? SqlValue(*name) : SqlValue(nullptr)})
                 .empty();
  });
  return found;
}

bool History::remove(int64_t document_id, int64_t version_id, const MergeFn& merge) {
  bool found = false;
  store_.transact([&](Sql& sql) {
    if (!lock_document(sql, document_id) || !one_version(sql, document_id, version_id)) return;
    remove_run(sql, document_id, {version_id}, merge);
    found = true;
  });
  return found;
}

// Picked ids that are not versions of this document, or are named, are ignored: named versions
// are never thinned (history.hpp), whatever the policy says.
size_t History::thin(int64_t document_id,
                     const std::function<std::vector<int64_t>(const std::vector<Version>&)>& pick,
                     const MergeFn& merge) {
  size_t removed = 0;
  store_.transact([&](Sql& sql) {
    if (!lock_document(sql, document_id)) return;
    std::vector<Version> all;
    for (const auto& row :
         sql.exec(cat({"SELECT ", kVersionColumns,
                       " FROM document_versions WHERE document_id = $1 ORDER BY id"}),
                  {document_id})) {
      all.push_back(version_at(row));
    }
    const std::vector<int64_t> picked_ids = pick(all);
    const std::set<int64_t> picked(picked_ids.begin(), picked_ids.end());
    std::vector<int64_t> run;
    auto flush = [&] {
      if (run.empty()) return;
      remove_run(sql, document_id, run, merge);
      removed += run.size();
      run.clear();
    };
    for (const Version& v : all) {
      if (picked.count(v.id) != 0 && !v.name) {
        run.push_back(v.id);
      } else {
        flush();
      }
    }
    flush();
  });
  return removed;
}

std::vector<VersionPoint> History::points(int64_t document_id, std::optional<int64_t> up_to) {
  std::vector<VersionPoint> out;
  const int64_t last = up_to.value_or(std::numeric_limits<int64_t>::max());
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(cat({"SELECT id, created_at, ", blob_of(sql, "state_vector"),
                                    " FROM document_versions WHERE document_id = $1 AND id <= $2"
                                    " ORDER BY id"}),
                               {document_id, last});
    out.reserve(rows.size());
    for (const auto& row : rows) {
      out.push_back({.id = row.int64(0),
                     .created_at = row.timestamp(1),
                     .state_vector = bytes_of(sql, row.text(2))});
    }
  });
  return out;
}

void History::record_clients(int64_t document_id, const std::vector<ClientAuthor>& clients) {
  if (clients.empty()) return;
  store_.transact([&](Sql& sql) {
    for (const ClientAuthor& c : clients) {
      sql.exec(
          "INSERT INTO document_clients (document_id, client_id, user_id) VALUES ($1, $2, $3) "
          "ON CONFLICT (document_id, client_id) DO NOTHING",
          {document_id, static_cast<int64_t>(c.client), c.user_id});
    }
  });
}

std::unordered_map<uint64_t, int64_t> History::clients(int64_t document_id) {
  std::unordered_map<uint64_t, int64_t> out;
  store_.transact([&](Sql& sql) {
    for (const auto& row :
         sql.exec("SELECT client_id, user_id FROM document_clients WHERE document_id = $1",
                  {document_id})) {
      out[static_cast<uint64_t>(row.int64(0))] = row.int64(1);
    }
  });
  return out;
}

void History::record_aliases(int64_t document_id, const std::vector<Alias>& aliases) {
  if (aliases.empty()) return;
  store_.transact([&](Sql& sql) {
    for (const Alias& a : aliases) {
      sql.exec(
          "INSERT INTO document_aliases "
          "(document_id, client_id, clock, length, origin_client, origin_clock) "
          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (document_id, client_id, clock) DO NOTHING",
          {document_id, static_cast<int64_t>(a.client), static_cast<int64_t>(a.clock),
           static_cast<int64_t>(a.length), static_cast<int64_t>(a.origin_client),
           static_cast<int64_t>(a.origin_clock)});
    }
  });
}

std::vector<Alias> History::aliases(int64_t document_id) {
  std::vector<Alias> out;
  store_.transact([&](Sql& sql) {
    for (const auto& row : sql.exec(
             "SELECT client_id, clock, length, origin_client, origin_clock FROM document_aliases "
             "WHERE document_id = $1 ORDER BY client_id, clock",
             {document_id})) {
      out.push_back({.client = static_cast<uint64_t>(row.int64(0)),
                     .clock = static_cast<uint64_t>(row.int64(1)),
                     .length = static_cast<uint64_t>(row.int64(2)),
                     .origin_client = static_cast<uint64_t>(row.int64(3)),
                     .origin_clock = static_cast<uint64_t>(row.int64(4))});
    }
  });
  return out;
}

}  // namespace store
