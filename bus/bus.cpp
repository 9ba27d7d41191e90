// bus.cpp — channel naming shared by every adapter.
#include "bus/bus.hpp"

namespace bus {

std::string channel_of(int64_t document_id) {
  if (document_id < 0) return "weft:project:" + std::to_string(-document_id);
  return "weft:doc:" + std::to_string(document_id);
}

}  // namespace bus
