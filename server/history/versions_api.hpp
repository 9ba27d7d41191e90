// versions_api.hpp — the history routes of DESIGN.md §7 under /api/documents/{id}/versions:
// list (newest first, paginated), name the current state, one version's metadata and text,
// rename, delete (owner), restore (editors; one live CRDT edit). Viewers may read history; only
// editors name or restore; only owners delete.
#pragma once

#include <cstdint>

#include "server/api_core.hpp"

namespace weft {

// Handles /api/documents/{document_id}/versions[/…] (c.segments[2] == "versions").
void route_versions(Call& c, int64_t document_id);

}  // namespace weft
