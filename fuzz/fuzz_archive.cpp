// fuzz_archive.cpp — libFuzzer target: arbitrary bytes as an uploaded project archive
// (POST /api/projects/{id}/import): archive::read with small limits must return or throw
// archive::Refused, nothing else; and what it returns keeps its promises — no more files, bytes
// or entries than the limits, no name that is absolute or has a ".." segment, every file text
// UTF-8 without a NUL.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crdt/lib0.hpp"
#include "server/projects/archive.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool escapes(std::string_view path) {
  if (path.empty() || path.front() == '/') return true;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const weft::archive::Limits limits{
      .max_files = 32, .max_file_bytes = 16 << 10, .max_total_bytes = 256 << 10};
  try {
    const auto contents =
        weft::archive::read(std::string_view(reinterpret_cast<const char*>(data), size), limits);
    check(contents.files.size() <= limits.max_files);
    size_t total = 0;
    for (const auto& f : contents.files) {
      check(!escapes(f.path));
      check(f.data.size() <= limits.max_file_bytes);
      check(f.data.find('\0') == std::string::npos);
      check(crdt::is_valid_utf8(f.data));
      total += f.data.size();
    }
    check(total <= limits.max_total_bytes);
    for (const auto& folder : contents.folders) check(!escapes(folder));
  } catch (const weft::archive::Refused&) {
  }
  return 0;
}
