// authorship_api.hpp — who wrote what (DESIGN.md §7, wave 2 · 2):
//   GET /api/documents/{id}/blame[?version={vid}]   each line's author and time, with ranges
//   GET /api/documents/{id}/activity?before=&limit=  who edited, when and how much, per version
// Viewers may read both.
#pragma once

#include <cstdint>

#include "server/api_core.hpp"

namespace weft {

// Handles /api/documents/{document_id}/blame and …/activity (c.segments[2]).
void route_authorship(Call& c, int64_t document_id);

}  // namespace weft
