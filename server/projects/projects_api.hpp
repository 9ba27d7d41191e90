// projects_api.hpp — the project routes of DESIGN.md §7 under /api/projects (wave 2 · 3): projects
// (list paginated, create, get, patch, delete), members, the file tree, files (create, rename /
// move, delete) and folders (create, move, delete).
//
// Rules: viewers read (project, members, tree); editors change the tree and the name; only the
// owner sets is_public, manages members and deletes the project. A file is a document, so its
// text, history and WebSocket are the document routes of its id, with its project's access. A
// rename keeps the document id, so live connections stay open. Deleting a file, a folder or the
// project closes the connections of every file that goes (4404), here and on the other instances.
// Every change of a tree is announced in the project's room (`/ws/projects/<id>`, room.hpp), so
// that everyone in the project asks for the tree again.
// Store rules and invariants: store/projects.hpp, store/project_tree.hpp.
#pragma once

#include "server/api_core.hpp"

namespace weft {

// Handles /api/projects[/…] (c.segments[0] == "projects").
void route_projects(Call& c);
// GET /api/projects/{id}/members (also the members of each of its files).
void list_project_members(Call& c, int64_t project_id);
// Tells everyone in the project, on every instance, that its tree changed.
void tree_changed(Services& s, int64_t project_id);
// The documents (or project rooms, by Room::project_key) that went with a file, folder, project or
// account: their rooms close everyone with 4404 and store nothing more, here and on the other
// instances.
void files_removed(Services& s, const std::vector<int64_t>& ids);

}  // namespace weft
