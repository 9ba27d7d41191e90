// zip.hpp — a minimal ZIP writer (PKWARE APPNOTE 6.3, the subset every unzip reads) for
// GET /api/projects/{id}/export: one deflated entry per file (zlib's raw deflate, CRC-32 from
// zlib), names in UTF-8 (general purpose flag bit 11), Unix permissions 0644 for files and 0755
// for directories (a name ending in '/'), a fixed timestamp (1980-01-01, so the same project
// exports to the same bytes). No ZIP64: an archive needs fewer than 65,535 entries and every size
// and offset below 4 GiB, else TooLarge. Pure: no I/O.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace weft::zip {

struct Entry {
  std::string path{};  // a directory's ends with '/'
  std::string data{};
};

class TooLarge : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The archive's bytes.
std::string archive(const std::vector<Entry>& entries);

}  // namespace weft::zip
