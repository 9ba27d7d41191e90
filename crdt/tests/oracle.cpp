// oracle.cpp — crdt-oracle: the C++ side of the differential tests against real yjs.
//
// tests/crdt/differential.mjs drives yjs and sends the same updates here as newline-delimited
// JSON requests on stdin; each gets one JSON response line on stdout, in order. Binary data is
// base64. Requests: apply (fresh doc, apply updates in order, report texts/maps/arrays, state
// vector and encodings), merge, diff, sv_from_update, local (text edits as local transactions).
// Any error becomes {"ok": false, "error": ...}; the process itself never stops on bad input.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "crdt/doc.hpp"
#include "crdt/update.hpp"

namespace {

using nlohmann::json;

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string to_base64(const crdt::Bytes& in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    out += {kB64[n >> 18], kB64[(n >> 12) & 63], kB64[(n >> 6) & 63], kB64[n & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t n = in[i] << 16;
    out += {kB64[n >> 18], kB64[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t n = (in[i] << 16) | (in[i + 1] << 8);
    out += {kB64[n >> 18], kB64[(n >> 12) & 63], kB64[(n >> 6) & 63], '='};
  }
  return out;
}

crdt::Bytes from_base64(const std::string& in) {
  crdt::Bytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const char* p = std::strchr(kB64, c);
    if (c == '=' || c == '\0' || !p) continue;
    acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return out;
}

std::vector<crdt::Bytes> updates_of(const json& arr) {
  std::vector<crdt::Bytes> out;
  for (const auto& u : arr) out.push_back(from_base64(u.get<std::string>()));
  return out;
}

json handle(const json& req) {
  const std::string op = req.at("op");
  json res;
  if (op == "apply") {
    crdt::Doc doc(1);
    for (const auto& u : updates_of(req.at("updates"))) doc.apply_update(u);
    res["texts"] = json::object();
    for (const auto& name : req.value("texts", json::array())) {
      res["texts"][name.get<std::string>()] = doc.text(name.get<std::string>());
    }
    res["maps"] = json::object();
    for (const auto& name : req.value("maps", json::array())) {
      res["maps"][name.get<std::string>()] = json::parse(doc.map_json(name.get<std::string>()));
    }
    res["arrays"] = json::object();
    for (const auto& name : req.value("arrays", json::array())) {
      res["arrays"][name.get<std::string>()] = json::parse(doc.array_json(name.get<std::string>()));
    }
    json sv = json::object();
    for (const auto& [client, clock] : doc.state_vector()) sv[std::to_string(client)] = clock;
    res["sv"] = sv;
    res["sv_bin"] = to_base64(doc.encode_state_vector());
    res["state"] = to_base64(doc.encode_state_as_update());
    if (req.contains("target_sv")) {
      res["state_for"] = to_base64(doc.encode_state_as_update(from_base64(req["target_sv"])));
    }
  } else if (op == "merge") {
    const auto updates = updates_of(req.at("updates"));
    res["update"] = to_base64(crdt::merge_updates({updates.begin(), updates.end()}));
  } else if (op == "diff") {
    res["update"] =
        to_base64(crdt::diff_update(from_base64(req.at("update")), from_base64(req.at("sv"))));
  } else if (op == "sv_from_update") {
    res["sv"] = to_base64(crdt::encode_state_vector_from_update(from_base64(req.at("update"))));
  } else if (op == "local") {
    crdt::Doc doc(req.at("client").get<uint64_t>());
    for (const auto& u : updates_of(req.value("base", json::array()))) doc.apply_update(u);
    json updates = json::array();
    for (const auto& o : req.at("ops")) {
      const std::string kind = o.at(0);
      const uint64_t pos = o.at(1);
      const crdt::Bytes update = doc.transact([&](crdt::Transaction& tr) {
        if (kind == "insert") {
          doc.insert_text(tr, "content", pos, crdt::utf8_to_utf16(o.at(2).get<std::string>()));
        } else if (kind == "delete") {
          doc.delete_text(tr, "content", pos, o.at(2).get<uint64_t>());
        } else {
          throw std::invalid_argument("unknown local op " + kind);
        }
      });
      updates.push_back(to_base64(update));
    }
    res["updates"] = updates;
    res["text"] = doc.text("content");
  } else {
    throw std::invalid_argument("unknown op " + op);
  }
  res["ok"] = true;
  return res;
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    json res;
    json id = nullptr;
    try {
      const json req = json::parse(line);
      id = req.value("id", json(nullptr));
      res = handle(req);
    } catch (const std::exception& e) {
      res = {{"ok", false}, {"error", e.what()}};
    }
    res["id"] = id;
    std::cout << res.dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush;
  }
  return 0;
}
