// sql.cpp — the adapter-independent half of the Sql primitive (store.hpp): reading typed values
// out of a SqlRow, and recognizing which field (of users, or a project's path) a unique violation
// is about.
//
// Both adapters hand every column over as the database's own text, so the conversions live here
// once. Timestamps are the one place where the two dialects spell a value differently (SQLite keeps
// our ISO text, PostgreSQL prints TIMESTAMPTZ its own way), so timestamp() folds both into the
// ISO 8601 form with milliseconds that callers see.
#include <charconv>
#include <string_view>

#include "store/store.hpp"

namespace store {

namespace {

bool digits(std::string_view s, size_t pos, size_t count) {
  if (pos + count > s.size()) return false;
  for (size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

[[noreturn]] void bad_value(std::string_view type, std::string_view text) {
  throw StoreError("sql: not " + std::string(type) + ": \"" + std::string(text) + "\"");
}

}  // namespace

int64_t SqlRow::int64(size_t i) const {
  if (is_null(i)) return 0;
  const std::string& s = *values[i];
  int64_t out = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size()) bad_value("an integer", s);
  return out;
}

bool SqlRow::boolean(size_t i) const {
  if (is_null(i)) return false;
  const std::string& s = *values[i];
  if (s == "t" || s == "true" || s == "1") return true;
  if (s == "f" || s == "false" || s == "0") return false;
  bad_value("a boolean", s);
}

// Layout checked: "YYYY-MM-DD?HH:MM:SS" (? is 'T' or ' '), then an optional fraction of any
// length (PostgreSQL trims trailing zeros and drops an all-zero fraction), then the zone, which
// must be UTC: SQLite's "Z", or PostgreSQL's "+00" / "+00:00" (its sessions are set to UTC). The
// fraction is cut to milliseconds, not rounded, so a time never moves into the next second.
std::string SqlRow::timestamp(size_t i) const {
  if (is_null(i)) return "";
  const std::string_view s = *values[i];
  const bool layout = digits(s, 0, 4) && s.size() >= 19 && s[4] == '-' && digits(s, 5, 2) &&
                      s[7] == '-' && digits(s, 8, 2) && (s[10] == 'T' || s[10] == ' ') &&
                      digits(s, 11, 2) && s[13] == ':' && digits(s, 14, 2) && s[16] == ':' &&
                      digits(s, 17, 2);
  if (!layout) bad_value("a timestamp", s);
  size_t pos = 19;
  std::string millis = "000";
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) bad_value("a timestamp", s);
    for (size_t k = 0; k < 3 && start + k < pos; ++k) millis[k] = s[start + k];
  }
  const std::string_view zone = s.substr(pos);
  if (zone != "Z" && zone != "+00" && zone != "+00:00") bad_value("a UTC timestamp", s);
  std::string out(s.substr(0, 19));
  out[10] = 'T';
  return out + "." + millis + "Z";
}

// Only the first line is looked at: PostgreSQL's DETAIL line quotes the duplicate value, which
// may itself contain "email". The first line names the index or constraint ("users_email_lower",
// "users_username_key") or, in SQLite, the column ("users.email").
std::optional<Conflict> conflict_from_message(const std::string& message) {
  const std::string_view first_line = std::string_view(message).substr(0, message.find('\n'));
  if (first_line.find("email") != std::string_view::npos) return Conflict("email");
  if (first_line.find("username") != std::string_view::npos) return Conflict("username");
  // A project's paths (migration 5): PostgreSQL names the index or key, SQLite the columns.
  for (const std::string_view name :
       {"documents_project_path", "documents.path", "project_folders"})
    if (first_line.find(name) != std::string_view::npos) return Conflict("path");
  return std::nullopt;
}

}  // namespace store
