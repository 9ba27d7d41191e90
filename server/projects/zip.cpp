// zip.cpp — local headers and data in entry order, then the central directory and its end record,
// all little-endian. Each entry is deflated in one zlib call (deflateBound sizes the output).
#include "server/projects/zip.hpp"

#include <zlib.h>

#include <cstdint>
#include <limits>

namespace weft::zip {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentral = 0x06054b50;
constexpr uint16_t kVersionNeeded = 20;      // 2.0: deflate, directories
constexpr uint16_t kVersionMadeBy = 0x0314;  // Unix (3), 2.0
constexpr uint16_t kUtf8Names = 0x0800;      // general purpose bit 11
constexpr uint16_t kDeflate = 8;
constexpr uint16_t kStored = 0;
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01
constexpr uint16_t kDosTime = 0;
constexpr uint64_t kMax32 = std::numeric_limits<uint32_t>::max();

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v & 0xffff));
  put16(out, static_cast<uint16_t>(v >> 16));
}

std::string deflate_raw(const std::string& data) {
  z_stream z{};
  // windowBits -15: raw deflate, as ZIP stores it (no zlib header or trailer).
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zip: deflateInit2 failed");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const uLong written = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("zip: deflate failed");
  out.resize(written);
  return out;
}

struct Written {
  uint32_t crc = 0;
  uint32_t compressed = 0;
  uint32_t size = 0;
  uint16_t method = kStored;
  uint32_t offset = 0;
};

void header_fields(std::string& out, const Entry& e, const Written& w) {
  put16(out, kUtf8Names);
  put16(out, w.method);
  put16(out, kDosTime);
  put16(out, kDosDate);
  put32(out, w.crc);
  put32(out, w.compressed);
  put32(out, w.size);
  put16(out, static_cast<uint16_t>(e.path.size()));
  put16(out, 0);  // extra field length
}

}  // namespace

std::string archive(const std::vector<Entry>& entries) {
  if (entries.size() >= 0xffff) throw TooLarge("a zip export holds fewer than 65,535 files");
  std::string out;
  std::vector<Written> written;
  written.reserve(entries.size());
  for (const auto& e : entries) {
    if (e.data.size() > kMax32 || e.path.size() > 0xffff)
      throw TooLarge("'" + e.path + "' is too large for a zip export");
    Written w;
    w.offset = static_cast<uint32_t>(out.size());
    w.size = static_cast<uint32_t>(e.data.size());
    w.crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size())));
    std::string body = e.data;
    if (!e.data.empty()) {
      std::string deflated = deflate_raw(e.data);
      if (deflated.size() < e.data.size()) {
        body = std::move(deflated);
        w.method = kDeflate;
      }
    }
    w.compressed = static_cast<uint32_t>(body.size());
    put32(out, kLocalHeader);
    put16(out, kVersionNeeded);
    header_fields(out, e, w);
    out += e.path;
    out += body;
    if (out.size() > kMax32) throw TooLarge("the project is too large for a zip export (4 GiB)");
    written.push_back(w);
  }
  const size_t directory = out.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const bool is_dir = !e.path.empty() && e.path.back() == '/';
    put32(out, kCentralHeader);
    put16(out, kVersionMadeBy);
    put16(out, kVersionNeeded);
    header_fields(out, e, written[i]);
    put16(out, 0);  // comment length
    put16(out, 0);  // disk number
    put16(out, 0);  // internal attributes
    // Unix mode in the high half; MS-DOS directory bit in the low one.
    put32(out, is_dir ? (0040755u << 16) | 0x10 : (0100644u << 16));
    put32(out, written[i].offset);
    out += e.path;
  }
  const size_t directory_size = out.size() - directory;
  if (out.size() > kMax32) throw TooLarge("the project is too large for a zip export (4 GiB)");
  put32(out, kEndOfCentral);
  put16(out, 0);  // this disk
  put16(out, 0);  // the directory's disk
  put16(out, static_cast<uint16_t>(entries.size()));
  put16(out, static_cast<uint16_t>(entries.size()));
  put32(out, static_cast<uint32_t>(directory_size));
  put32(out, static_cast<uint32_t>(directory));
  put16(out, 0);  // comment length
  return out;
}

}  // namespace weft::zip
