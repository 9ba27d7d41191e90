// projects_api.cpp — routes, validation and JSON of projects, their members and file trees, over
// store::Projects on the blocking pool (this thread). Files are documents: creating one stores its
// initial Yjs state like POST /api/documents; what goes with a deleted file (its room, its
// connections) is closed as DELETE /api/documents/{id} closes it.
#include "server/projects/projects_api.hpp"

#include <spdlog/spdlog.h>

#include <malloc.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <memory>
#include <mutex>

#include "crdt/doc.hpp"
#include "server/cluster.hpp"
#include "server/projects/archive.hpp"
#include "server/projects/search.hpp"
#include "server/projects/zip.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"
#include "server/url.hpp"
#include "store/projects.hpp"

namespace weft {

namespace {

constexpr size_t kDefaultLimit = 50;
constexpr size_t kMaxLimit = 200;

using store::Access;

// A project's name: 1–255 characters of UTF-8, no control characters, not blank; else verbatim.
void check_project_name(const std::string& v) {
  if (!crdt::is_valid_utf8(v)) invalid("name", "name must be UTF-8");
  const size_t n = char_count(v);
  if (n < 1 || n > 255) invalid("name", "name must be 1 to 255 characters");
  if (has_control(v)) invalid("name", "name must not contain control characters");
  if (std::all_of(v.begin(), v.end(), [](char c) { return c == ' '; }))
    invalid("name", "name must not be blank");
}

// A file or folder path from the request (400 naming `field` when it breaks a rule).
std::string check_path(std::string path, const std::string& field) {
  if (auto why = store::path_error(path)) invalid(field, *why);
  return path;
}

json project_json(const store::ProjectInfo& p, Access access) {
  return {{"id", p.id},
          {"name", p.name},
          {"is_public", p.is_public},
          {"owner", p.owner_id ? person_json(p.owner_id, p.owner_username) : json(nullptr)},
          {"role", store::access_name(access)},
          {"created_at", p.created_at},
          {"updated_at", p.updated_at}};
}

// The project and the caller's access to it, which must be at least `least` (404, 403).
std::pair<store::ProjectInfo, Access> require_project(Call& c, int64_t id, Access least) {
  const store::User& u = c.signed_in();
  store::Projects projects(c.s.store);
  auto project = projects.project(id);
  if (!project) fail(404, "not_found", "no such project");
  const Access access = projects.access(id, u.id).value_or(Access::kNone);
  if (access == Access::kNone) fail(403, "forbidden", "you have no access to this project");
  if (access < least) {
    fail(403, "forbidden",
         least == Access::kOwner ? "only the project's owner may do this"
                                 : "viewers cannot change this project");
  }
  return {std::move(*project), access};
}

// The 409 of a path that is taken: `taken` is the path asked for, or a file above it.
[[noreturn]] void path_taken(const std::string& field, const std::string& asked,
                             const std::string& taken) {
  if (taken == asked)
    fail(409, "conflict", "'" + asked + "' already exists in this project", field);
  fail(409, "conflict", "'" + taken + "' is a file, so '" + asked + "' cannot be inside it", field);
}

// Runs a change of the tree, turning the store's path errors into 400 / 409 naming `field`.
template <typename F>
auto tree_change(const std::string& field, const std::string& asked, F&& change) {
  try {
    return change();
  } catch (const store::PathConflict& e) {
    path_taken(field, asked, e.path());
  } catch (const store::InvalidPath& e) {
    invalid(field, e.path() == asked ? e.reason() : "'" + e.path() + "': " + e.reason());
  } catch (const store::Conflict&) {  // a concurrent writer took it (the unique index)
    path_taken(field, asked, asked);
  } catch (const store::ProjectFull& e) {
    fail(409, "project_full", std::string(e.what()) + "; delete some before adding more", field);
  }
}

// The bytes of text the project's files hold (as last stored) and the file count.
std::pair<size_t, size_t> project_usage(Services& s, int64_t id) {
  const auto usage = store::Projects(s.store).usage(id);
  if (!usage) fail(404, "not_found", "no such project");
  return {usage->bytes, usage->files};
}

[[noreturn]] void project_too_large(size_t limit) {
  fail(413, "project_too_large",
       "a project's files may hold at most " + std::to_string(limit) +
           " bytes of text together on this server");
}

}  // namespace

void files_removed(Services& s, const std::vector<int64_t>& ids) {
  for (const int64_t id : ids) {
    if (const auto room = s.rooms.find(id)) room->remove();
    s.cluster.publish(id, {{PartKind::kRemoved, {}}});
  }
}

namespace {

// Tells the rooms of every file of the project, and the project's own room, that `user_id`'s
// access may have changed (one access query for all; the role of a file is the project's; in
// the project's room everyone is a viewer).
void refresh_project_access(Services& s, int64_t project_id, int64_t user_id) {
  store::Projects projects(s.store);
  const auto role = role_for(projects.access(project_id, user_id).value_or(Access::kNone));
  for (const int64_t id : projects.file_ids(project_id)) {
    if (const auto room = s.rooms.find(id)) room->set_access(user_id, role);
    s.cluster.publish(id, {{PartKind::kAccess, encode_access(user_id, role)}});
  }
  const int64_t key = Room::project_key(project_id);
  const std::optional<Role> in_project = role ? std::optional(Role::kViewer) : std::nullopt;
  if (const auto room = s.rooms.find(key)) room->set_access(user_id, in_project);
  s.cluster.publish(key, {{PartKind::kAccess, encode_access(user_id, in_project)}});
}

// The file `document_id` of project `project_id` (404 when it is not one of its files).
store::DocumentInfo require_file(Call& c, int64_t project_id, int64_t document_id) {
  auto doc = c.s.accounts.document(document_id);
  if (!doc || doc->project_id != project_id) fail(404, "not_found", "no such file in this project");
  return std::move(*doc);
}

// ---- projects ----

void list_projects(Call& c) {
  const store::User& u = c.signed_in();
  std::optional<int64_t> before;
  if (const auto b = query_param(c.req.target, "before"); b && !b->empty())
    before = parse_id(*b, "before");
  size_t limit = kDefaultLimit;
  if (const auto l = query_param(c.req.target, "limit"); l && !l->empty())
    limit = static_cast<size_t>(std::min<int64_t>(parse_id(*l, "limit"), kMaxLimit));
  // One more than asked tells whether there is a next page.
  auto page = store::Projects(c.reads()).projects_for(u.id, before, limit + 1);
  const bool more = page.size() > limit;
  if (more) page.resize(limit);
  json items = json::array();
  for (const auto& [project, access] : page) items.push_back(project_json(project, access));
  c.reply(200, {{"projects", std::move(items)},
                {"next_cursor", more ? json(page.back().first.id) : json(nullptr)}});
}

void create_project(Call& c) {
  const store::User& u = c.signed_in();
  const json j = parse_object(c.req.body, {"name", "is_public"});
  const std::string name = req_string(j, "name");
  check_project_name(name);
  const bool is_public = opt_bool(j, "is_public").value_or(false);
  const auto created = store::Projects(c.s.store).create_project(u.id, name, is_public);
  spdlog::info("project {} created by user {}", created.id, u.id);
  c.reply(201, project_json(created, Access::kOwner));
}

void patch_project(Call& c, int64_t id) {
  const json j = parse_object(c.req.body, {"name", "is_public"});
  store::ProjectPatch patch;
  patch.name = opt_string(j, "name");
  patch.is_public = opt_bool(j, "is_public");
  if (patch.name) check_project_name(*patch.name);
  const auto [project, access] =
      require_project(c, id, patch.is_public ? Access::kOwner : Access::kEditor);
  store::Projects projects(c.s.store);
  if (!projects.update_project(id, patch)) fail(404, "not_found", "no such project");
  if (patch.is_public && *patch.is_public != project.is_public) {
    // Whoever is connected to a file may have gained or lost access.
    for (const auto& session : projects.open_sessions(id))
      refresh_access(c.s, session.document_id, session.user_id);
    if (!*patch.is_public) {
      const int64_t key = Room::project_key(id);
      if (const auto room = c.s.rooms.find(key)) room->rejoin_all();
      c.s.cluster.publish(key, {{PartKind::kRejoin, {}}});
    }
  }
  if (patch.name) tree_changed(c.s, id);  // the name is shown with the tree
  auto updated = projects.project(id);
  if (!updated) fail(404, "not_found", "no such project");
  c.reply(200, project_json(*updated, access));
}

void delete_project(Call& c, int64_t id) {
  require_project(c, id, Access::kOwner);
  const auto files = store::Projects(c.s.store).delete_project(id);
  if (!files) fail(404, "not_found", "no such project");
  files_removed(c.s, *files);
  files_removed(c.s, {Room::project_key(id)});
  spdlog::info("project {} deleted by user {} with {} files", id, c.user->id, files->size());
  c.reply(no_content());
}

// ---- members ----

}  // namespace

// The project's tree changed: everyone in the project hears of it through the project's room
// (room.hpp), here when it is loaded here (its update reaches the other instances), else through
// the other instances' rooms.
void tree_changed(Services& s, int64_t project_id) {
  const int64_t key = Room::project_key(project_id);
  if (const auto room = s.rooms.find(key)) {
    room->touch_tree();
  } else {
    s.cluster.publish(key, {{PartKind::kTreeChanged, {}}});
  }
}

void list_project_members(Call& c, int64_t id) {
  const auto [project, access] = require_project(c, id, Access::kViewer);
  json out = json::array();
  if (project.owner_id) {
    out.push_back(
        {{"user", person_json(project.owner_id, project.owner_username)}, {"role", "owner"}});
  }
  for (const auto& m : store::Projects(c.reads()).members(id))
    out.push_back({{"user", person_json(m.user_id, m.username)}, {"role", m.role}});
  c.reply(200, out);
}

namespace {

void put_member(Call& c, int64_t id, const std::string& username) {
  const json j = parse_object(c.req.body, {"role"});
  const std::string role = req_string(j, "role");
  if (role != "editor" && role != "viewer") invalid("role", "role must be editor or viewer");
  const auto [project, access] = require_project(c, id, Access::kOwner);
  const store::User u = member_user(c, username);
  if (u.id == project.owner_id) invalid("username", "the owner already has every right");
  store::Projects(c.s.store).set_member(id, u.id, role);
  refresh_project_access(c.s, id, u.id);
  c.reply(200, {{"user", person_json(u.id, u.username)}, {"role", role}});
}

void delete_member(Call& c, int64_t id, const std::string& username) {
  require_project(c, id, Access::kOwner);
  const store::User u = member_user(c, username);
  if (!store::Projects(c.s.store).remove_member(id, u.id))
    fail(404, "not_found", "'" + u.username + "' is not a member");
  refresh_project_access(c.s, id, u.id);
  c.reply(no_content());
}

// ---- the tree ----

// The answer is written straight into the body (crdt::append_json_string escapes as JSON.stringify
// does): a 10,000-file tree through a JSON DOM spent most of its time building and freeing it.
void get_tree(Call& c, int64_t id) {
  require_project(c, id, Access::kViewer);
  const auto tree = store::Projects(c.reads()).tree(id);
  if (!tree) fail(404, "not_found", "no such project");
  std::string out;
  out.reserve(64 + tree->files.size() * 128 + tree->folders.size() * 48);
  out += "{\"project_id\":";
  out += std::to_string(id);
  out += ",\"files\":[";
  bool first = true;
  for (const auto& f : tree->files) {
    out += first ? "{\"id\":" : ",{\"id\":";
    first = false;
    out += std::to_string(f.id);
    out += ",\"path\":";
    crdt::append_json_string(out, f.path);
    out += ",\"language\":";
    crdt::append_json_string(out, f.language);
    out += ",\"size\":";
    out += std::to_string(f.size);
    out += ",\"updated_at\":";
    crdt::append_json_string(out, f.updated_at);
    out += '}';
  }
  out += "],\"folders\":[";
  first = true;
  for (const auto& path : tree->folders) {
    const bool stored =
        std::binary_search(tree->stored_folders.begin(), tree->stored_folders.end(), path);
    out += first ? "{\"path\":" : ",{\"path\":";
    first = false;
    crdt::append_json_string(out, path);
    out += stored ? ",\"stored\":true}" : ",\"stored\":false}";
  }
  out += "]}";
  c.reply({200, std::move(out), "application/json", {}});
}

void create_file(Call& c, int64_t id) {
  // The body carries the file's text, so it may be as large as any request body.
  const json j = parse_object(c.req.body, {"path", "content"},
                              std::max(kMaxJsonBodyBytes, c.s.config.max_body_bytes));
  const std::string path = check_path(req_string(j, "path"), "path");
  std::string content = opt_string(j, "content").value_or("");
  const auto [project, access] = require_project(c, id, Access::kEditor);
  if (const size_t limit = c.s.config.max_document_bytes; limit != 0 && content.size() > limit) {
    fail(413, "document_too_large",
         "the text is larger than this server's documents may be (" + std::to_string(limit) +
             " bytes)");
  }
  if (const size_t limit = c.s.config.max_project_bytes;
      limit != 0 && project_usage(c.s, id).first + content.size() > limit)
    project_too_large(limit);
  store::NewFile file{.path = path,
                      .language = language_from_title(std::string(store::base_name(path))),
                      .yjs_state = initial_state(content),
                      .content = std::move(content)};
  const auto created =
      tree_change("path", path, [&] { return store::Projects(c.s.store).create_file(id, file); });
  if (!created) fail(404, "not_found", "no such project");
  auto doc = c.s.accounts.document(created->id);
  if (!doc) fail(404, "not_found", "no such file in this project");  // deleted meanwhile
  tree_changed(c.s, id);
  c.reply(201, document_json(*doc, access));
}

void patch_file(Call& c, int64_t id, int64_t document_id) {
  const json j = parse_object(c.req.body, {"path"});
  const std::string path = check_path(req_string(j, "path"), "path");
  const auto [project, access] = require_project(c, id, Access::kEditor);
  const store::DocumentInfo doc = require_file(c, id, document_id);
  // A language that came from the old name's extension follows the new one; one chosen by hand
  // stays.
  std::optional<std::string> language;
  if (doc.language == language_from_title(std::string(store::base_name(doc.path))))
    language = language_from_title(std::string(store::base_name(path)));
  const auto moved = tree_change("path", path, [&] {
    return store::Projects(c.s.store).move_file(id, document_id, path, language);
  });
  if (!moved) fail(404, "not_found", "no such file in this project");
  auto updated = c.s.accounts.document(document_id);
  if (!updated) fail(404, "not_found", "no such file in this project");
  tree_changed(c.s, id);
  c.reply(200, document_json(*updated, access));
}

void delete_file(Call& c, int64_t id, int64_t document_id) {
  require_project(c, id, Access::kEditor);
  if (!store::Projects(c.s.store).delete_file(id, document_id))
    fail(404, "not_found", "no such file in this project");
  files_removed(c.s, {document_id});
  tree_changed(c.s, id);
  c.reply(no_content());
}

void create_folder(Call& c, int64_t id) {
  const json j = parse_object(c.req.body, {"path"});
  const std::string path = check_path(req_string(j, "path"), "path");
  require_project(c, id, Access::kEditor);
  const bool created =
      tree_change("path", path, [&] { return store::Projects(c.s.store).create_folder(id, path); });
  if (!created) fail(404, "not_found", "no such project");
  tree_changed(c.s, id);
  c.reply(201, {{"path", path}});
}

void move_folder(Call& c, int64_t id) {
  const json j = parse_object(c.req.body, {"from", "to"});
  const std::string from = check_path(req_string(j, "from"), "from");
  const std::string to = check_path(req_string(j, "to"), "to");
  require_project(c, id, Access::kEditor);
  const auto moved =
      tree_change("to", to, [&] { return store::Projects(c.s.store).move_folder(id, from, to); });
  if (!moved) fail(404, "not_found", "no folder '" + from + "' in this project");
  json files = json::array();
  for (const auto& f : *moved) files.push_back({{"id", f.id}, {"path", f.path}});
  tree_changed(c.s, id);
  c.reply(200, {{"from", from}, {"to", to}, {"files", std::move(files)}});
}

void delete_folder(Call& c, int64_t id) {
  const auto param = query_param(c.req.target, "path");
  if (!param || param->empty()) invalid("path", "path is required (…/folders?path=src/app)");
  const std::string path = check_path(*param, "path");
  require_project(c, id, Access::kEditor);
  const auto deleted = store::Projects(c.s.store).delete_folder(id, path);
  if (!deleted) fail(404, "not_found", "no folder '" + path + "' in this project");
  files_removed(c.s, *deleted);
  tree_changed(c.s, id);
  c.reply(no_content());
}

// POST /api/projects/{id}/import[?path=folder]: a .zip or .tar.gz (archive.hpp for what is
// refused) whose text files and folders are added under `path` (the project's root by default),
// all in one transaction or not at all. Binary files are not imported; the answer lists them.
json import_into(Call& c, int64_t id);

void import_archive(Call& c, int64_t id) {
  json answer = import_into(c, id);
  c.req.body = std::string();
  // An import's copies of its texts (the archive's, the files', their Yjs states: tens of MB) are
  // freed by now, but glibc keeps freed memory in this thread's arena; a project nobody has open
  // should cost the database, not the server's resident memory.
  malloc_trim(0);
  c.s.metrics.project_imports.fetch_add(1, std::memory_order_relaxed);
  tree_changed(c.s, id);
  c.reply(201, answer);
}

json import_into(Call& c, int64_t id) {
  std::string prefix;
  if (const auto p = query_param(c.req.target, "path"); p && !p->empty())
    prefix = check_path(*p, "path") + "/";
  const auto [project, access] = require_project(c, id, Access::kEditor);
  if (c.req.body.empty()) invalid("body", "the body must be a .zip or .tar.gz archive");
  const auto [used_bytes, used_files] = project_usage(c.s, id);
  const size_t byte_limit = c.s.config.max_project_bytes;
  archive::Limits limits{
      .max_files = store::kMaxProjectFiles > used_files ? store::kMaxProjectFiles - used_files : 0,
      .max_file_bytes = c.s.config.max_body_bytes,
      .max_total_bytes = byte_limit == 0           ? SIZE_MAX
                         : byte_limit > used_bytes ? byte_limit - used_bytes
                                                   : 0};
  archive::Contents contents;
  try {
    contents = archive::read(c.req.body, limits);
  } catch (const archive::Refused& e) {
    const std::string& code = e.code();
    if (code == "archive_too_large" && byte_limit != 0) project_too_large(byte_limit);
    if (code == "too_many_files")
      fail(409, "project_full",
           "a project holds at most " + std::to_string(store::kMaxProjectFiles) +
               " files; this import would make it more",
           "body");
    const unsigned status = code == "unsupported_archive" ? 415
                            : code == "file_too_large"    ? 413
                                                          : 400;
    fail(status, code, e.what(), "body");
  }
  store::Import import;
  import.files.reserve(contents.files.size());
  for (auto& f : contents.files) {
    std::string path = prefix + f.path;
    if (auto why = store::path_error(path)) fail(400, "invalid_path", "'" + path + "': " + *why);
    store::NewFile file{.path = path,
                        .language = language_from_title(std::string(store::base_name(path))),
                        .yjs_state = initial_state(f.data),
                        .content = std::move(f.data)};
    import.files.push_back(std::move(file));
  }
  for (const auto& folder : contents.folders) {
    std::string path = prefix + folder;
    if (auto why = store::path_error(path)) fail(400, "invalid_path", "'" + path + "': " + *why);
    import.folders.push_back(std::move(path));
  }
  if (!prefix.empty()) import.folders.push_back(prefix.substr(0, prefix.size() - 1));
  std::optional<std::vector<store::TreeFile>> created;
  try {
    created = store::Projects(c.s.store).import_files(id, import);
  } catch (const store::PathConflict& e) {
    fail(409, "conflict",
         "'" + e.path() +
             "' is in the project already, or twice in the archive, or a file that "
             "other entries would lie in; nothing was imported",
         "body");
  } catch (const store::Conflict&) {  // a concurrent writer took a path (the unique index)
    fail(409, "conflict", "a path of the archive was taken meanwhile; nothing was imported",
         "body");
  } catch (const store::ProjectFull& e) {
    fail(409, "project_full", std::string(e.what()) + "; nothing was imported", "body");
  } catch (const store::InvalidPath& e) {
    fail(400, "invalid_path", "'" + e.path() + "': " + e.reason());
  }
  if (!created) fail(404, "not_found", "no such project");
  json files = json::array();
  for (const auto& f : *created) files.push_back({{"id", f.id}, {"path", f.path}});
  json skipped = json::array();
  for (const auto& sk : contents.skipped)
    skipped.push_back({{"path", prefix + sk.path}, {"reason", sk.reason}});
  return {{"project_id", id},
          {"files", std::move(files)},
          {"folders", import.folders},
          {"skipped", std::move(skipped)}};
}

// ---- search and export: every file's text ----

// The text a file's stored state and log merge to (the snapshot when nothing was logged since
// it, or when the stored updates cannot be read: then the last compaction's text).
std::string stored_text(Services& s, const store::FileText& f) {
  if (!f.logged) return f.content;
  try {
    const auto stored = s.store.load(f.id);
    if (!stored) return f.content;
    crdt::Doc doc;
    if (stored->yjs_state) doc.apply_update(*stored->yjs_state);
    for (const auto& u : stored->updates) doc.apply_update(u);
    return doc.text("content");
  } catch (const crdt::DecodeError& e) {
    spdlog::warn("document {}: stored updates unreadable ({}); using its snapshot", f.id, e.what());
    return f.content;
  }
}

// Gathers the text of every file of the project — live from the rooms that are loaded, stored
// otherwise — and then calls `done` with them (by path) on the blocking pool. Nothing here waits
// for a room: the rooms answer on their strands, and the last answer posts `done`.
void with_texts(Call& c, int64_t project_id,
                std::function<void(std::vector<store::FileText>)> done) {
  struct Gather {
    std::mutex mu;
    std::vector<store::FileText> files;
    size_t pending = 0;
    std::function<void(std::vector<store::FileText>)> done;
  };
  auto g = std::make_shared<Gather>();
  g->files = store::Projects(c.reads()).file_texts(project_id);
  g->done = std::move(done);
  Services& s = c.s;
  std::vector<size_t> live;
  for (size_t i = 0; i < g->files.size(); ++i) {
    if (s.rooms.find(g->files[i].id)) {
      live.push_back(i);
    } else {
      g->files[i].content = stored_text(s, g->files[i]);
    }
  }
  if (live.empty()) return g->done(std::move(g->files));
  g->pending = live.size();
  for (const size_t i : live) {
    const auto room = s.rooms.acquire(g->files[i].id);
    room->read_text([&s, g, i, room](std::optional<std::string> text) {
      s.rooms.release(room);
      std::lock_guard lock(g->mu);
      if (text) g->files[i].content = std::move(*text);
      if (--g->pending == 0) {
        boost::asio::post(s.blocking, [g] { g->done(std::move(g->files)); });
      }
    });
  }
}

// Runs `answer` (a step on the blocking pool after with_texts) so that an exception still
// answers the request.
void answer_safely(const Respond& respond, const std::function<void()>& answer) {
  try {
    answer();
  } catch (const ApiError& e) {
    respond(error_response(e));
  } catch (const std::exception& e) {
    spdlog::error("project answer: {}", e.what());
    respond(error_response({500, "internal", "internal error; see the server log", {}, {}}));
  }
}

// A boolean query parameter: absent or "" is `fallback`; true/1 and false/0.
bool flag(const Call& c, const std::string& name, bool fallback) {
  const auto v = query_param(c.req.target, name);
  if (!v || v->empty()) return fallback;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  invalid(name, name + " must be true or false");
}

// GET …/search?q=&regex=&case=&limit=&cursor=: the matches over every file, by path, line and
// column; `cursor` is the index of the first match of the page.
void search_files(Call& c, int64_t id) {
  const auto q = query_param(c.req.target, "q");
  if (!q || q->empty()) invalid("q", "q (what to search for) is required");
  if (q->size() > search::kMaxQueryBytes) invalid("q", "q must be at most 1000 bytes");
  if (!crdt::is_valid_utf8(*q)) invalid("q", "q must be UTF-8");
  const bool regex = flag(c, "regex", false);
  const bool case_sensitive = flag(c, "case", false);
  size_t limit = 100;
  if (const auto l = query_param(c.req.target, "limit"); l && !l->empty())
    limit = static_cast<size_t>(std::min<int64_t>(parse_id(*l, "limit"), 1000));
  size_t cursor = 0;
  if (const auto k = query_param(c.req.target, "cursor"); k && !k->empty() && *k != "0")
    cursor = static_cast<size_t>(parse_id(*k, "cursor"));
  std::string error;
  auto query = search::Query::compile(*q, regex, case_sensitive, error);
  if (!query) fail(400, "bad_regex", "the regular expression does not compile: " + error, "q");
  require_project(c, id, Access::kViewer);
  auto shared = std::make_shared<search::Query>(std::move(*query));
  with_texts(c, id, [respond = c.respond, shared, cursor, limit](auto files) {
    answer_safely(respond, [&] {
      json matches = json::array();
      std::vector<search::Match> found;
      size_t seen = 0;  // matches before this file
      bool more = false;
      for (const auto& f : files) {
        found.clear();
        // Enough to fill the page and tell whether another follows.
        shared->find(f.content, found, cursor + limit + 1 - std::min(seen, cursor + limit));
        for (const auto& m : found) {
          if (seen >= cursor && matches.size() < limit) {
            matches.push_back({{"file", {{"id", f.id}, {"path", f.path}}},
                               {"line", m.line},
                               {"column", m.column},
                               {"length", m.length},
                               {"snippet", m.snippet},
                               {"snippet_column", m.snippet_column}});
          } else if (seen >= cursor) {
            more = true;
          }
          ++seen;
        }
        if (more) break;
      }
      respond(json_response(200, {{"matches", std::move(matches)},
                                  {"next_cursor", more ? json(cursor + limit) : json(nullptr)},
                                  {"files", files.size()}}));
    });
  });
}

// GET …/export: a zip of every file's text (and every stored empty folder), by path.
void export_zip(Call& c, int64_t id) {
  const auto [project, access] = require_project(c, id, Access::kViewer);
  auto folders = store::Projects(c.s.store).tree(id);
  if (!folders) fail(404, "not_found", "no such project");
  std::vector<std::string> empty_folders;
  for (const auto& path : folders->stored_folders) {
    const bool has_files =
        std::any_of(folders->files.begin(), folders->files.end(),
                    [&](const auto& f) { return store::is_under(f.path, path); });
    if (!has_files) empty_folders.push_back(path);
  }
  with_texts(c, id, [respond = c.respond, id, empty_folders](auto files) {
    answer_safely(respond, [&] {
      std::vector<zip::Entry> entries;
      entries.reserve(files.size() + empty_folders.size());
      for (auto& f : files) entries.push_back({.path = f.path, .data = std::move(f.content)});
      for (const auto& path : empty_folders) entries.push_back({.path = path + "/", .data = {}});
      std::string archive;
      try {
        archive = zip::archive(entries);
      } catch (const zip::TooLarge& e) {
        fail(413, "export_too_large", e.what());
      }
      respond({200,
               std::move(archive),
               "application/zip",
               {{"Content-Disposition",
                 "attachment; filename=\"project-" + std::to_string(id) + ".zip\""}}});
    });
  });
}

}  // namespace

void route_projects(Call& c) {
  const auto& seg = c.segments;
  const std::string& m = c.req.method;
  const size_t n = seg.size();
  if (n == 1) {
    if (m == "GET") return list_projects(c);
    if (m == "POST") return create_project(c);
    method_not_allowed("GET, POST");
  }
  const int64_t id = parse_id(seg[1], "project");
  if (n == 2) {
    if (m == "GET") {
      const auto [project, access] = require_project(c, id, Access::kViewer);
      return c.reply(200, project_json(project, access));
    }
    if (m == "PATCH") return patch_project(c, id);
    if (m == "DELETE") return delete_project(c, id);
    method_not_allowed("GET, PATCH, DELETE");
  }
  const std::string& what = seg[2];
  if (n == 3 && what == "members") {
    if (m != "GET") method_not_allowed("GET");
    return list_project_members(c, id);
  }
  if (n == 4 && what == "members") {
    if (m == "PUT") return put_member(c, id, seg[3]);
    if (m == "DELETE") return delete_member(c, id, seg[3]);
    method_not_allowed("PUT, DELETE");
  }
  if (n == 3 && what == "tree") {
    if (m != "GET") method_not_allowed("GET");
    return get_tree(c, id);
  }
  if (n == 3 && what == "files") {
    if (m != "POST") method_not_allowed("POST");
    return create_file(c, id);
  }
  if (n == 4 && what == "files") {
    const int64_t document_id = parse_id(seg[3], "file");
    if (m == "PATCH") return patch_file(c, id, document_id);
    if (m == "DELETE") return delete_file(c, id, document_id);
    method_not_allowed("PATCH, DELETE");
  }
  if (n == 3 && what == "folders") {
    if (m == "POST") return create_folder(c, id);
    if (m == "PATCH") return move_folder(c, id);
    if (m == "DELETE") return delete_folder(c, id);
    method_not_allowed("POST, PATCH, DELETE");
  }
  if (n == 3 && what == "import") {
    if (m != "POST") method_not_allowed("POST");
    return import_archive(c, id);
  }
  if (n == 3 && (what == "search" || what == "export")) {
    if (m != "GET") method_not_allowed("GET");
    return what == "search" ? search_files(c, id) : export_zip(c, id);
  }
  fail(404, "not_found", "no such route");
}

}  // namespace weft
