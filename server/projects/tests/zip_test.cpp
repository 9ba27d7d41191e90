// zip_test.cpp — the export's ZIP writer (zip.hpp), read back by a minimal reader written from
// the format: the end record finds the central directory, each central entry its local header;
// names, methods, CRC-32 and sizes must agree, and inflating gives the bytes put in.
#include "server/projects/zip.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace weft::zip {
namespace {

uint32_t get(const std::string& s, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s.at(at + i));
  return v;
}

std::string inflate_raw(const std::string& in, size_t size) {
  std::string out(size, '\0');
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, -15), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

std::vector<Entry> read(const std::string& zip) {
  const size_t end = zip.size() - 22;
  EXPECT_EQ(get(zip, end, 4), 0x06054b50u);
  const uint32_t count = get(zip, end + 10, 2);
  size_t at = get(zip, end + 16, 4);
  std::vector<Entry> out;
  for (uint32_t i = 0; i < count; ++i) {
    EXPECT_EQ(get(zip, at, 4), 0x02014b50u);
    EXPECT_EQ(get(zip, at + 8, 2) & 0x0800, 0x0800u);  // UTF-8 names
    const uint32_t method = get(zip, at + 10, 2);
    const uint32_t crc = get(zip, at + 16, 4);
    const uint32_t compressed = get(zip, at + 20, 4);
    const uint32_t size = get(zip, at + 24, 4);
    const uint32_t name_length = get(zip, at + 28, 2);
    const uint32_t local = get(zip, at + 42, 4);
    const std::string name = zip.substr(at + 46, name_length);
    EXPECT_EQ(get(zip, local, 4), 0x04034b50u);
    EXPECT_EQ(get(zip, local + 14, 4), crc);
    EXPECT_EQ(zip.substr(local + 30, name_length), name);
    const std::string body = zip.substr(local + 30 + name_length, compressed);
    std::string data = method == 8 ? inflate_raw(body, size) : body;
    EXPECT_EQ(data.size(), size);
    EXPECT_EQ(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())),
              crc);
    out.push_back({.path = name, .data = std::move(data)});
    at += 46 + name_length;
  }
  return out;
}

TEST(ZipWriter, WritesWhatAReaderGetsBack) {
  const std::vector<Entry> entries = {
      {.path = "src/main.py", .data = std::string(1000, 'x') + "print('hé')\n"},
      {.path = "empty.txt", .data = ""},
      {.path = "ünï 字/<odd> 'name'.md", .data = "short"},
      {.path = "docs/empty/", .data = ""},
  };
  const std::string zip = archive(entries);
  const auto back = read(zip);
  ASSERT_EQ(back.size(), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(back[i].path, entries[i].path);
    EXPECT_EQ(back[i].data, entries[i].data);
  }
  EXPECT_EQ(archive(entries), zip) << "the same input gives the same bytes";
  EXPECT_EQ(read(archive({})).size(), 0u);
}

TEST(ZipWriter, RefusesWhatNeedsZip64) {
  EXPECT_THROW(archive(std::vector<Entry>(70000, Entry{.path = "a", .data = ""})), TooLarge);
}

}  // namespace
}  // namespace weft::zip
