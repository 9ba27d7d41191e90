// trace.cpp — reading a gzipped editing trace (zlib) and parsing it (nlohmann::json).
#include "bench/trace/trace.hpp"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "crdt/lib0.hpp"

namespace bench {

namespace {

std::string gunzip_file(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw TraceError("cannot open " + path);
  std::string out;
  std::vector<char> buf(1 << 16);
  int n;
  while ((n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()))) > 0) {
    out.append(buf.data(), static_cast<size_t>(n));
  }
  const bool failed = n < 0;
  gzclose(f);
  if (failed) throw TraceError("cannot decompress " + path);
  return out;
}

// A 4-byte UTF-8 sequence is a character outside the BMP.
bool has_astral(const std::string& utf8) {
  return std::any_of(utf8.begin(), utf8.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0xF0; });
}

}  // namespace

Trace load_trace(const std::string& path) {
  Trace t;
  t.name = std::filesystem::path(path).filename().string();
  for (const char* suffix : {".gz", ".json"}) {
    if (t.name.ends_with(suffix)) t.name.resize(t.name.size() - std::string(suffix).size());
  }
  const std::string text = gunzip_file(path);
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (j.at("startContent") != "") throw TraceError(path + ": startContent is not empty");
    t.end_content = j.at("endContent").get<std::string>();
    if (has_astral(t.end_content)) throw TraceError(path + ": has characters outside the BMP");
    for (const auto& txn : j.at("txns")) {
      Txn& out = t.txns.emplace_back();
      for (const auto& p : txn.at("patches")) {
        const std::string ins = p.at(2).get<std::string>();
        if (has_astral(ins)) throw TraceError(path + ": has characters outside the BMP");
        out.push_back({p.at(0).get<uint64_t>(), p.at(1).get<uint64_t>(), crdt::utf8_to_utf16(ins)});
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw TraceError(path + ": not a sequential trace: " + e.what());
  }
  return t;
}

}  // namespace bench
