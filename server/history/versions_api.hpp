// versions_api.hpp — the history routes of DESIGN.md §7 under /api/documents/{id}/versions:
// list (newest first, paginated), name the current state, one version's metadata and text,
// rename, delete (owner), restore (editors; one live CRDT edit). Viewers may read history; only
// editors name or restore; only owners delete.
#pragma once

#include <cstdint>
#include <vector>

#include "server/api_core.hpp"
#include "store/history.hpp"

namespace weft {

// One page of the document's versions, newest first, as `?before=&limit=` of the request ask
// (limit 50 by default, at most 200); `more` when there are older ones (the next cursor is the
// last version's id). Shared by the versions list and the activity feed.
struct VersionPage {
  std::vector<store::Version> versions;
  bool more = false;
};
VersionPage version_page(Call& c, int64_t document_id);

// Handles /api/documents/{document_id}/versions[/…] (c.segments[2] == "versions").
void route_versions(Call& c, int64_t document_id);

}  // namespace weft
