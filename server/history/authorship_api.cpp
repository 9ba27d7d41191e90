// authorship_api.cpp — blame and activity. Blame of the live text takes the runs from the room
// (its strand only copies them) and computes on the blocking pool; blame of a version rebuilds it
// from its chain. Either way the store's document_clients names the authors, completed by what
// the room has seen but may not have written yet.
#include "server/history/authorship_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "server/history/blame.hpp"
#include "server/history/chain.hpp"
#include "server/history/versions_api.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"
#include "server/url.hpp"
#include "store/history.hpp"

namespace weft {

namespace {

json nullable(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

// Appends `s` as a JSON string. The strings here are the store's timestamps; escaping covers
// whatever else a tampered row could hold (quotes, backslashes, control characters).
void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  out += '"';
}

void append_user(std::string& out, int64_t id) {
  if (id != 0) {
    out += std::to_string(id);
  } else {
    out += "null";
  }
}

void append_at(std::string& out, const std::optional<std::string>& at) {
  if (at) {
    append_string(out, *at);
  } else {
    out += "null";
  }
}

// The answer: the lines, and everyone they name. Written straight into the body: a blame of a
// long file is thousands of small objects, and building them as a json DOM (a std::map per run)
// took most of the route's time (docs/BENCHMARKS.md, History notes).
std::string blame_body(Services& s, const std::optional<int64_t>& version,
                       const std::vector<history::BlameLine>& lines) {
  std::vector<int64_t> ids;
  std::string out = "{\"version\":";
  out += version ? std::to_string(*version) : "null";
  out += ",\"lines\":[";
  for (size_t i = 0; i < lines.size(); ++i) {
    const history::BlameLine& line = lines[i];
    if (i != 0) out += ',';
    out += "{\"line\":";
    out += std::to_string(i + 1);
    out += ",\"user_id\":";
    append_user(out, line.user_id);
    out += ",\"at\":";
    append_at(out, line.at);
    out += ",\"runs\":[";
    for (size_t k = 0; k < line.spans.size(); ++k) {
      const history::BlameSpan& span = line.spans[k];
      if (span.user_id != 0) ids.push_back(span.user_id);
      if (k != 0) out += ',';
      out += "{\"start\":";
      out += std::to_string(span.start);
      out += ",\"end\":";
      out += std::to_string(span.end);
      out += ",\"user_id\":";
      append_user(out, span.user_id);
      out += ",\"at\":";
      append_at(out, span.at);
      out += ",\"version\":";
      out += span.version ? std::to_string(*span.version) : "null";
      out += '}';
    }
    out += "]}";
    if (line.user_id != 0) ids.push_back(line.user_id);
  }
  json users = json::array();
  for (const auto& [id, name] : usernames(s, ids)) users.push_back(person_json(id, name));
  out += "],\"users\":";
  out += users.dump();
  out += '}';
  return out;
}

ApiResponse blame_response(Services& s, const std::optional<int64_t>& version,
                           const std::vector<history::BlameLine>& lines) {
  return {200, blame_body(s, version, lines), "application/json", {}};
}

// What the store has: the recorded authors win over what the room saw (the first record of a
// client stands); the aliases of every restore (the room's own may not be written yet).
void add_recorded(Services& s, int64_t id, history::BlameSource& source) {
  store::History history(s.store);
  for (const auto& [client, user] : history.clients(id)) source.authors[client] = user;
  const auto aliases = history.aliases(id);
  source.aliases.insert(source.aliases.end(), aliases.begin(), aliases.end());
}

void blame_version(Call& c, int64_t id, int64_t vid) {
  const auto doc = history::version_doc(c.s.store, id, vid);
  if (!doc) fail(404, "not_found", "no such version");
  history::BlameSource source;
  for (const crdt::TextRun& r : doc->text_runs("content")) {
    source.runs.push_back({r.id.client, r.id.clock, std::u16string(r.text)});
  }
  add_recorded(c.s, id, source);
  source.points = store::History(c.s.store).points(id, vid);
  c.reply(blame_response(c.s, vid, history::blame(source)));
}

void blame_current(Call& c, int64_t id) {
  Services& s = c.s;
  const auto room = s.rooms.acquire(id);
  room->read_blame([&s, room, id, respond = c.respond](std::optional<history::BlameSource> source) {
    s.rooms.release(room);
    if (!source) {
      respond(error_response({404, "not_found", "no such document", {}, {}}));
      return;
    }
    boost::asio::post(s.blocking, [&s, id, respond, source = std::move(*source)]() mutable {
      try {
        add_recorded(s, id, source);
        source.points = store::History(s.store).points(id, std::nullopt);
        respond(blame_response(s, std::nullopt, history::blame(source)));
      } catch (const std::exception& e) {
        spdlog::error("document {}: blame: {}", id, e.what());
        respond(error_response({500, "internal", "internal error; see the server log", {}, {}}));
      }
    });
  });
}

void blame(Call& c, int64_t id) {
  c.require_document(id, store::Access::kViewer);
  if (const auto v = query_param(c.req.target, "version"); v && !v->empty()) {
    return blame_version(c, id, parse_id(*v, "version"));
  }
  blame_current(c, id);
}

// One entry per user of each version, newest version first; within one, the most changes first.
void activity(Call& c, int64_t id) {
  c.require_document(id, store::Access::kViewer);
  const auto [versions, more] = version_page(c, id);
  std::vector<int64_t> ids;
  for (const auto& v : versions) ids.insert(ids.end(), v.user_ids.begin(), v.user_ids.end());
  const auto names = usernames(c.s, ids);
  json entries = json::array();
  for (const auto& v : versions) {
    std::vector<store::UserEdits> edits = v.edits;
    std::stable_sort(edits.begin(), edits.end(), [](const auto& a, const auto& b) {
      return a.inserted + a.deleted > b.inserted + b.deleted;
    });
    for (const store::UserEdits& e : edits) {
      const auto name = names.find(e.user_id);
      if (name == names.end()) continue;
      entries.push_back({{"version_id", v.id},
                         {"at", v.created_at},
                         {"kind", v.kind},
                         {"name", nullable(v.name)},
                         {"user", person_json(e.user_id, name->second)},
                         {"inserted", e.inserted},
                         {"deleted", e.deleted}});
    }
  }
  c.reply(200, {{"entries", std::move(entries)},
                {"next_cursor", more ? json(versions.back().id) : json(nullptr)}});
}

}  // namespace

void route_authorship(Call& c, int64_t id) {
  if (c.segments.size() != 3) fail(404, "not_found", "no such route");
  if (c.req.method != "GET") method_not_allowed("GET");
  if (c.segments[2] == "blame") return blame(c, id);
  return activity(c, id);
}

}  // namespace weft
