// versions_api.cpp — routes, validation and JSON of document versions. Versions are read from
// store::History on the blocking pool (this thread); naming and restoring go through the
// document's room, which captures the state it holds (loading the document if needed).
#include "server/history/versions_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <map>

#include "crdt/doc.hpp"
#include "crdt/update.hpp"
#include "server/history/chain.hpp"
#include "server/history/line_diff.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"
#include "server/url.hpp"
#include "store/history.hpp"

namespace weft {

namespace {

constexpr size_t kDefaultLimit = 50;
constexpr size_t kMaxLimit = 200;
constexpr size_t kMaxNameChars = 255;

// A name is stored verbatim: any text of 1–255 characters without control characters.
std::string check_name(const std::string& name) {
  if (!crdt::is_valid_utf8(name)) invalid("name", "the name must be UTF-8");
  const size_t chars = char_count(name);
  if (chars == 0 || chars > kMaxNameChars) invalid("name", "the name must be 1 to 255 characters");
  if (has_control(name)) invalid("name", "the name must not contain control characters");
  return name;
}

// Usernames of the users in `versions`.
std::map<int64_t, std::string> usernames(Services& s, const std::vector<store::Version>& versions) {
  std::vector<int64_t> ids;
  for (const auto& v : versions) ids.insert(ids.end(), v.user_ids.begin(), v.user_ids.end());
  return weft::usernames(s, ids);
}

json version_json(const store::Version& v, const std::map<int64_t, std::string>& names) {
  json users = json::array();
  for (const int64_t id : v.user_ids) {
    const auto it = names.find(id);
    if (it != names.end()) users.push_back(person_json(id, it->second));
  }
  return {{"id", v.id},
          {"document_id", v.document_id},
          {"created_at", v.created_at},
          {"name", v.name ? json(*v.name) : json(nullptr)},
          {"kind", v.kind},
          {"size", v.size},
          {"users", std::move(users)}};
}

json one_version_json(Call& c, const store::Version& v) {
  return version_json(v, usernames(c.s, {v}));
}

// `from`: the primary (c.s.store) before a change, c.reads() for what a GET shows.
store::Version require_version(Call& c, int64_t document_id, int64_t version_id,
                               store::Store* from = nullptr) {
  auto v = store::History(from != nullptr ? *from : c.s.store).get(document_id, version_id);
  if (!v) fail(404, "not_found", "no such version");
  return std::move(*v);
}

void list_versions(Call& c, int64_t id) {
  c.require_document(id, store::Access::kViewer);
  const auto [versions, more] = version_page(c, id);
  const auto names = usernames(c.s, versions);
  json items = json::array();
  for (const auto& v : versions) items.push_back(version_json(v, names));
  c.reply(200, {{"versions", std::move(items)},
                {"next_cursor", more ? json(versions.back().id) : json(nullptr)}});
}

// Answers a version operation that went through the room: `v` is what it gave (nullopt: the
// document is gone, or the store failed). Runs on the blocking pool, where usernames may be read.
void answer(Services& s, int64_t id, const Respond& respond, unsigned status,
            const std::optional<store::Version>& v, const std::optional<store::Version>& target) {
  try {
    if (!v) {
      const bool gone = !s.accounts.document(id);
      respond(gone ? error_response({404, "not_found", "no such document", {}, {}})
                   : error_response({500,
                                     "internal",
                                     "the version could not be stored; see the "
                                     "server log",
                                     {},
                                     {}}));
      return;
    }
    std::vector<store::Version> shown{*v};
    if (target) shown.push_back(*target);
    const auto names = usernames(s, shown);
    if (!target) {
      respond(json_response(status, version_json(*v, names)));
    } else {
      respond(json_response(status, {{"restored", version_json(*target, names)},
                                     {"before", version_json(*v, names)}}));
    }
  } catch (const std::exception& e) {
    spdlog::error("document {}: answering a version request: {}", id, e.what());
    respond(error_response({500, "internal", "internal error; see the server log", {}, {}}));
  }
}

void name_current(Call& c, int64_t id) {
  const json j = parse_object(c.req.body, {"name"});
  const std::string name = check_name(req_string(j, "name"));
  c.require_document(id, store::Access::kEditor);
  Services& s = c.s;
  const auto room = s.rooms.acquire(id);
  room->capture_version("named", name, c.user->id,
                        [&s, room, id, respond = c.respond](std::optional<store::Version> v) {
                          s.rooms.release(room);
                          answer(s, id, respond, 201, v, std::nullopt);
                        });
}

// The text of a version (404 when there is none).
std::string version_text(Call& c, int64_t id, int64_t vid) {
  auto text = history::version_text(c.s.store, id, vid);
  if (!text) fail(404, "not_found", "no such version");
  return std::move(*text);
}

void get_content(Call& c, int64_t id, int64_t vid) {
  c.require_document(id, store::Access::kViewer);
  c.reply({200, version_text(c, id, vid), "text/plain; charset=utf-8", {}});
}

void patch_version(Call& c, int64_t id, int64_t vid) {
  const json j = parse_object(c.req.body, {"name"});
  if (!j.contains("name")) invalid("name", "name is required (null clears it)");
  std::optional<std::string> name = opt_string(j, "name");
  if (name) check_name(*name);
  c.require_document(id, store::Access::kEditor);
  store::History history(c.s.store);
  if (!history.rename(id, vid, name)) fail(404, "not_found", "no such version");
  c.reply(200, one_version_json(c, require_version(c, id, vid)));
}

void delete_version(Call& c, int64_t id, int64_t vid) {
  c.require_document(id, store::Access::kOwner);
  const bool removed = store::History(c.s.store).remove(id, vid, history::merge_deltas);
  if (!removed) fail(404, "not_found", "no such version");
  c.reply(no_content());
}

void restore(Call& c, int64_t id, int64_t vid) {
  c.require_document(id, store::Access::kEditor);
  const store::Version target = require_version(c, id, vid);
  Services& s = c.s;
  const auto room = s.rooms.acquire(id);
  // The room answers on its strand: the answer (database reads) goes to the blocking pool.
  room->restore_version(
      vid, c.user->id,
      [&s, room, id, respond = c.respond, target](std::optional<store::Version> before) {
        s.rooms.release(room);
        boost::asio::post(s.blocking, [&s, id, respond, before, target] {
          answer(s, id, respond, 200, before, target);
        });
      });
}

// GET …/versions/{vid}/diff?against=current|{vid2}: the line diff from version vid to the live
// text or to version vid2 (runs of equal, deleted and inserted lines).
void diff(Call& c, int64_t id, int64_t vid) {
  c.require_document(id, store::Access::kViewer);
  const store::Version from = require_version(c, id, vid);
  const std::string against = query_param(c.req.target, "against").value_or("current");
  const auto reply = [](const Respond& respond, const json& from_json, const json& against_json,
                        const std::string& before, const std::string& after) {
    json runs = json::array();
    size_t added = 0;
    size_t removed = 0;
    for (const auto& run : history::diff_lines(before, after)) {
      if (run.op == history::DiffRun::Op::kInsert) added += run.lines.size();
      if (run.op == history::DiffRun::Op::kDelete) removed += run.lines.size();
      runs.push_back({{"op", history::op_name(run.op)}, {"lines", run.lines}});
    }
    respond(json_response(200, {{"from", from_json},
                                {"against", against_json},
                                {"added", added},
                                {"removed", removed},
                                {"runs", std::move(runs)}}));
  };
  if (against != "current") {
    const int64_t vid2 = parse_id(against, "against");
    const store::Version to = require_version(c, id, vid2);
    auto [before, after] = history::version_texts(c.s.store, id, vid, vid2);
    if (!before || !after) fail(404, "not_found", "no such version");
    return reply(c.respond, one_version_json(c, from), one_version_json(c, to), *before, *after);
  }
  std::string before = version_text(c, id, vid);
  // The live text comes from the room; the diff is computed back on the blocking pool.
  Services& s = c.s;
  const auto room = s.rooms.acquire(id);
  room->read_text([&s, room, respond = c.respond, from_json = one_version_json(c, from),
                   before = std::move(before), reply](std::optional<std::string> text) {
    s.rooms.release(room);
    if (!text) {
      respond(error_response({404, "not_found", "no such document", {}, {}}));
      return;
    }
    boost::asio::post(s.blocking, [respond, from_json, before, after = std::move(*text), reply] {
      try {
        reply(respond, from_json, "current", before, after);
      } catch (const std::exception& e) {
        spdlog::error("diff: {}", e.what());
        respond(error_response({500, "internal", "internal error; see the server log", {}, {}}));
      }
    });
  });
}

}  // namespace

VersionPage version_page(Call& c, int64_t id) {
  std::optional<int64_t> before;
  if (const auto b = query_param(c.req.target, "before"); b && !b->empty())
    before = parse_id(*b, "before");
  size_t limit = kDefaultLimit;
  if (const auto l = query_param(c.req.target, "limit"); l && !l->empty())
    limit = static_cast<size_t>(std::min<int64_t>(parse_id(*l, "limit"), kMaxLimit));
  // One more than asked tells whether there is a next page.
  VersionPage page{store::History(c.reads()).list(id, before, limit + 1), false};
  page.more = page.versions.size() > limit;
  if (page.more) page.versions.resize(limit);
  return page;
}

void route_versions(Call& c, int64_t id) {
  const auto& seg = c.segments;
  const std::string& m = c.req.method;
  const size_t n = seg.size();
  if (n == 3) {
    if (m == "GET") return list_versions(c, id);
    if (m == "POST") return name_current(c, id);
    method_not_allowed("GET, POST");
  }
  const int64_t vid = parse_id(seg[3], "version");
  if (n == 4) {
    if (m == "GET") {
      c.require_document(id, store::Access::kViewer);
      return c.reply(200, one_version_json(c, require_version(c, id, vid, &c.reads())));
    }
    if (m == "PATCH") return patch_version(c, id, vid);
    if (m == "DELETE") return delete_version(c, id, vid);
    method_not_allowed("GET, PATCH, DELETE");
  }
  if (n == 5 && seg[4] == "content") {
    if (m != "GET") method_not_allowed("GET");
    return get_content(c, id, vid);
  }
  if (n == 5 && seg[4] == "diff") {
    if (m != "GET") method_not_allowed("GET");
    return diff(c, id, vid);
  }
  if (n == 5 && seg[4] == "restore") {
    if (m != "POST") method_not_allowed("POST");
    return restore(c, id, vid);
  }
  fail(404, "not_found", "no such route");
}

}  // namespace weft
