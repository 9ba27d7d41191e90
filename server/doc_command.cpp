// doc_command.cpp — `weft doc`: each FILE holds one binary v1 update (as stored in
// document_updates.data or documents.yjs_state). Results go to stdout or to -o OUT; malformed
// input exits with status 1 and a message naming the file.
//
// `weft doc history DBFILE DOCID` reads a document's versions from a Weft SQLite database instead
// (store::open_sqlite_readonly: nothing is written, and a running server is neither blocked nor
// disturbed) and prints them oldest first as JSON lines, with their texts (--text), or exports
// them as DIR/<id>.txt and DIR/versions.json (--out). What the arguments got wrong (no such file,
// not a Weft database, no such document, an unusable DIR) exits 2; a stored version that does
// not decode, or a failing read, exits 1.
#include "server/doc_command.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "crdt/doc.hpp"
#include "crdt/update.hpp"
#include "server/history/chain.hpp"
#include "store/history.hpp"
#include "store/store.hpp"

namespace weft {

namespace {

// An error that names the file it came from; main prints it and exits 1.
struct CommandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

// Reads a whole file. A directory, a missing file or a failed read gets a message of its own.
crdt::Bytes read_file(const std::string& path) {
  if (is_directory(path)) throw CommandError(path + ": is a directory");
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"),
                                                          &std::fclose);
  if (!f) throw CommandError(path + ": cannot read: " + std::strerror(errno));
  crdt::Bytes bytes;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) bytes.insert(bytes.end(), buf, buf + n);
  if (std::ferror(f.get())) throw CommandError(path + ": cannot read: " + std::strerror(errno));
  return bytes;
}

void write_file(const std::string& path, std::string_view bytes) {
  if (is_directory(path)) throw CommandError(path + ": is a directory");
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"),
                                                          &std::fclose);
  if (!f) throw CommandError(path + ": cannot write: " + std::strerror(errno));
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size() ||
      std::fflush(f.get()) != 0) {
    throw CommandError(path + ": cannot write: " + std::strerror(errno));
  }
}

void write_file(const std::string& path, const crdt::Bytes& bytes) {
  write_file(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Reads a binary state vector file (--sv); an empty or malformed one is refused, as yjs's
// decodeStateVector refuses it, with a message naming that file.
crdt::Bytes read_state_vector(const std::string& path) {
  crdt::Bytes bytes = read_file(path);
  try {
    crdt::decode_state_vector(bytes);
  } catch (const crdt::DecodeError& e) {
    throw CommandError(path + ": malformed state vector: " + e.what());
  }
  return bytes;
}

// Reads every file and checks that it decodes, so that errors name the file at fault.
std::vector<crdt::Bytes> read_all(const std::vector<std::string>& files) {
  std::vector<crdt::Bytes> out;
  for (const auto& f : files) {
    out.push_back(read_file(f));
    try {
      crdt::decode_update(out.back());
    } catch (const crdt::DecodeError& e) {
      throw CommandError(f + ": malformed update: " + e.what());
    }
  }
  return out;
}

// Applies the files in order to a fresh doc.
void load(crdt::Doc& doc, const std::vector<std::string>& files) {
  for (const auto& f : files) {
    try {
      doc.apply_update(read_file(f));
    } catch (const crdt::DecodeError& e) {
      throw CommandError(f + ": malformed update: " + e.what());
    }
  }
}

template <typename Fn>
auto named(const std::string& what, Fn&& fn) {
  try {
    return fn();
  } catch (const crdt::DecodeError& e) {
    throw CommandError(what + ": malformed input: " + e.what());
  }
}

std::string id_str(const crdt::ID& id) {
  return std::to_string(id.client) + ":" + std::to_string(id.clock);
}

std::string content_summary(const crdt::Content& c) {
  std::string out;
  switch (c.ref()) {
    case crdt::ContentRef::kDeleted:
      return "deleted";
    case crdt::ContentRef::kString:
      out = "string ";
      crdt::append_json_string(out, crdt::utf16_to_utf8(c.as<crdt::ContentString>().str));
      return out;
    case crdt::ContentRef::kAny:
      out = "any [";
      for (size_t i = 0; i < c.as<crdt::ContentAny>().values.size(); ++i) {
        if (i) out += ",";
        crdt::append_json(out, c.as<crdt::ContentAny>().values[i]);
      }
      return out + "]";
    case crdt::ContentRef::kJson:
      out = "json [";
      for (size_t i = 0; i < c.as<crdt::ContentJson>().values.size(); ++i) {
        if (i) out += ",";
        out += c.as<crdt::ContentJson>().values[i];
      }
      return out + "]";
    case crdt::ContentRef::kBinary:
      return "binary " + std::to_string(c.as<crdt::ContentBinary>().bytes.size()) + " bytes";
    case crdt::ContentRef::kEmbed:
      return "embed " + c.as<crdt::ContentEmbed>().json;
    case crdt::ContentRef::kFormat: {
      const auto& p = *c.as<crdt::ContentFormat>().p;
      return "format " + p.key + "=" + p.json;
    }
    case crdt::ContentRef::kType: {
      static constexpr const char* kNames[] = {"YArray",       "YMap",     "YText",   "YXmlElement",
                                               "YXmlFragment", "YXmlHook", "YXmlText"};
      const crdt::Type& t = *c.type();
      out = std::string("type ") + kNames[static_cast<int>(t.ref)];
      if (!t.name.empty()) out += " <" + t.name + ">";
      return out;
    }
    case crdt::ContentRef::kDoc:
      return "doc " + c.as<crdt::ContentDoc>().p->guid;
  }
  return "?";
}

void dump(const std::string& file, std::ostream& os) {
  const crdt::Bytes bytes = read_file(file);
  const crdt::DecodedUpdate u = named(file, [&] { return crdt::decode_update(bytes); });
  os << file << ": " << bytes.size() << " bytes, " << u.structs.size() << " structs\n";
  for (const crdt::UpdateStruct& s : u.structs) {
    if (s.block_start) os << "  client " << s.id.client << "\n";
    switch (s.kind) {
      case crdt::StructKind::kGC:
        os << "    GC   " << id_str(s.id) << " len " << s.length << "\n";
        break;
      case crdt::StructKind::kSkip:
        os << "    Skip " << id_str(s.id) << " len " << s.length << "\n";
        break;
      case crdt::StructKind::kItem: {
        os << "    Item " << id_str(s.id) << " len " << s.length;
        if (s.origin) os << " origin " << id_str(*s.origin);
        if (s.right_origin) os << " right " << id_str(*s.right_origin);
        if (const auto* name = std::get_if<std::string>(&s.parent))
          os << " parent \"" << *name << "\"";
        if (const auto* pid = std::get_if<crdt::ID>(&s.parent)) os << " parent " << id_str(*pid);
        if (s.parent_sub) os << " key \"" << *s.parent_sub << "\"";
        os << " " << content_summary(s.content) << "\n";
        break;
      }
    }
  }
  os << "  delete set:";
  if (u.ds.empty()) os << " empty";
  os << "\n";
  for (const auto& [client, dels] : u.ds.clients) {
    os << "    client " << client << ":";
    for (const auto& d : dels) os << " [" << d.clock << "," << d.clock + d.len << ")";
    os << "\n";
  }
}

// ---- weft doc history ----

// The database, read-only. Missing files and directories are told apart here: SQLite's own
// message for them ("unable to open database file") says neither.
std::unique_ptr<store::Store> open_database(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw CommandError(path + ": no such file");
  if (is_directory(path)) throw CommandError(path + ": is a directory");
  try {
    return store::open_sqlite_readonly(path);
  } catch (const store::StoreError& e) {
    throw CommandError(e.what());
  }
}

int64_t parse_document_id(const std::string& text) {
  int64_t id = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc{} || ptr != end || id <= 0) {
    throw CommandError("DOCID must be a positive integer, got \"" + text + "\"");
  }
  return id;
}

struct DocumentHistory {
  std::vector<store::Version> versions;  // oldest first
  std::vector<std::string> texts;        // versions[i]'s text; empty unless asked for
};

// Every version of the document, oldest first, and with `with_texts` their texts. A version's
// text is its chain of deltas applied in order (store/history.hpp), so one pass over the newest
// version's chain yields every text: the doc after delta i is version i. That holds when the
// chain has one delta per listed version; a server thinning or deleting versions between the two
// reads breaks it, and each version still there is then rebuilt on its own (version_text).
DocumentHistory read_history(store::Store& store, const std::string& db, int64_t document_id,
                             bool with_texts) {
  store::History history(store);
  DocumentHistory out;
  out.versions = history.list(document_id, std::nullopt, std::numeric_limits<size_t>::max());
  std::reverse(out.versions.begin(), out.versions.end());
  if (!with_texts || out.versions.empty()) return out;

  auto undecodable = [&](int64_t version_id, const crdt::DecodeError& e) {
    return std::runtime_error(db + ": document " + std::to_string(document_id) + ", version " +
                              std::to_string(version_id) + ": malformed delta: " + e.what());
  };
  const std::vector<store::Bytes> chain = history.chain(document_id, out.versions.back().id);
  if (chain.size() == out.versions.size()) {
    crdt::Doc doc;
    for (size_t i = 0; i < chain.size(); ++i) {
      try {
        doc.apply_update(chain[i]);
      } catch (const crdt::DecodeError& e) {
        throw undecodable(out.versions[i].id, e);
      }
      out.texts.push_back(doc.text("content"));
    }
    return out;
  }
  std::vector<store::Version> kept;
  for (auto& v : out.versions) {
    std::optional<std::string> text;
    try {
      text = history::version_text(store, document_id, v.id);
    } catch (const crdt::DecodeError& e) {
      throw undecodable(v.id, e);
    }
    if (!text) continue;  // removed since the list was read
    kept.push_back(std::move(v));
    out.texts.push_back(std::move(*text));
  }
  out.versions = std::move(kept);
  return out;
}

// {"id","created_at","kind","name","size","users":[ids]}, in that order.
nlohmann::ordered_json version_json(const store::Version& v) {
  nlohmann::ordered_json j;
  j["id"] = v.id;
  j["created_at"] = v.created_at;
  j["kind"] = v.kind;
  j["name"] = v.name ? nlohmann::ordered_json(*v.name) : nlohmann::ordered_json(nullptr);
  j["size"] = v.size;
  j["users"] = v.user_ids;
  return j;
}

// A text that is not valid UTF-8 (a lone surrogate in the Y.Text) is written with U+FFFD rather
// than refused.
std::string json_text(const nlohmann::ordered_json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// DIR/<id>.txt holds each version's text as is; DIR/versions.json the document id and every
// version's metadata with the name of its file.
void export_history(const DocumentHistory& h, int64_t document_id, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!is_directory(dir)) {
    throw CommandError(dir + ": cannot create directory" + (ec ? ": " + ec.message() : ""));
  }
  nlohmann::ordered_json index;
  index["document_id"] = document_id;
  index["versions"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < h.versions.size(); ++i) {
    const std::string file = std::to_string(h.versions[i].id) + ".txt";
    write_file((std::filesystem::path(dir) / file).string(), std::string_view(h.texts[i]));
    nlohmann::ordered_json j = version_json(h.versions[i]);
    j["file"] = file;
    index["versions"].push_back(std::move(j));
  }
  write_file((std::filesystem::path(dir) / "versions.json").string(),
             std::string_view(json_text(index, 2) + "\n"));
}

// The whole of `weft doc history`.
void print_history(const std::string& db, const std::string& doc_id, bool with_text,
                   const std::string& out_dir) {
  const int64_t document_id = parse_document_id(doc_id);
  const std::unique_ptr<store::Store> store = open_database(db);
  if (!store->document_exists(document_id)) {
    throw CommandError(db + ": no document " + std::to_string(document_id));
  }
  const DocumentHistory h = read_history(*store, db, document_id, with_text || !out_dir.empty());
  if (!out_dir.empty()) return export_history(h, document_id, out_dir);
  for (size_t i = 0; i < h.versions.size(); ++i) {
    nlohmann::ordered_json j = version_json(h.versions[i]);
    if (with_text) j["text"] = h.texts[i];
    std::cout << json_text(j) << "\n";
  }
  std::cout.flush();
}

// Runs a subcommand body, turning errors into a message and exit status 1.
void run(const std::function<void()>& body) {
  try {
    body();
  } catch (const CommandError& e) {
    std::cerr << "weft doc: " << e.what() << "\n";
    std::exit(1);
  } catch (const std::exception& e) {
    std::cerr << "weft doc: " << e.what() << "\n";
    std::exit(1);
  }
}

}  // namespace

void add_doc_command(CLI::App& app) {
  CLI::App* doc = app.add_subcommand(
      "doc", "Inspect and transform stored Yjs updates (binary v1); read a document's history");
  doc->require_subcommand(1);

  struct Options {
    std::vector<std::string> files;
    std::string name = "content";
    std::string out;
    std::string sv;
  };
  auto opts = std::make_shared<Options>();

  CLI::App* text =
      doc->add_subcommand("text", "Print the Y.Text NAME after applying the files in order");
  text->add_option("--name", opts->name, "Name of the Y.Text")->capture_default_str();
  text->add_option("files", opts->files, "Update files")->required();
  text->callback([opts] {
    run([&] {
      crdt::Doc d;
      load(d, opts->files);
      const std::string s = d.text(opts->name);
      std::fwrite(s.data(), 1, s.size(), stdout);
    });
  });

  CLI::App* sv = doc->add_subcommand("sv", "Print the state vector as JSON {\"client\": clock}");
  sv->add_option("files", opts->files, "Update files")->required();
  sv->callback([opts] {
    run([&] {
      crdt::Doc d;
      load(d, opts->files);
      std::string out = "{";
      bool first = true;
      for (const auto& [client, clock] : d.state_vector()) {
        if (!first) out += ",";
        first = false;
        out += "\"" + std::to_string(client) + "\":" + std::to_string(clock);
      }
      std::cout << out << "}\n";
    });
  });

  CLI::App* merge = doc->add_subcommand("merge", "Merge updates into one (= Y.mergeUpdates)");
  merge->add_option("files", opts->files, "Update files")->required();
  merge->add_option("-o,--out", opts->out, "Output file")->required();
  merge->callback([opts] {
    run([&] {
      const auto updates = read_all(opts->files);
      const crdt::Bytes merged = named("merge", [&] {
        return crdt::merge_updates({updates.begin(), updates.end()});
      });
      write_file(opts->out, merged);
    });
  });

  CLI::App* diff =
      doc->add_subcommand("diff", "What an update holds beyond a state vector (= Y.diffUpdate)");
  diff->add_option("file", opts->files, "Update file")->required()->expected(1);
  diff->add_option("--sv", opts->sv, "Binary state vector file")->required();
  diff->add_option("-o,--out", opts->out, "Output file")->required();
  diff->callback([opts] {
    run([&] {
      const crdt::Bytes update = read_all({opts->files.at(0)}).at(0);
      const crdt::Bytes sv_bytes = read_state_vector(opts->sv);
      const crdt::Bytes d =
          named(opts->files.at(0), [&] { return crdt::diff_update(update, sv_bytes); });
      write_file(opts->out, d);
    });
  });

  CLI::App* encode = doc->add_subcommand(
      "encode", "Apply the files and encode the state (= Y.encodeStateAsUpdate)");
  encode->add_option("files", opts->files, "Update files")->required();
  encode->add_option("--sv", opts->sv, "Binary state vector file: encode only what it lacks");
  encode->add_option("-o,--out", opts->out, "Output file")->required();
  encode->callback([opts] {
    run([&] {
      crdt::Doc d;
      load(d, opts->files);
      // Without --sv: everything (Doc reads no bytes as the empty state vector).
      const crdt::Bytes sv_bytes = opts->sv.empty() ? crdt::Bytes{} : read_state_vector(opts->sv);
      write_file(opts->out, named("encode", [&] { return d.encode_state_as_update(sv_bytes); }));
    });
  });

  struct HistoryOptions {
    std::string db;
    std::string doc_id;  // parsed by print_history, so a bad one gets its message and status 2
    bool text = false;
    std::string out_dir;
  };
  auto hist = std::make_shared<HistoryOptions>();
  CLI::App* history = doc->add_subcommand(
      "history", "Print a document's versions from a Weft SQLite database (read-only)");
  history->footer(
      "One JSON line per version, oldest first: "
      "{\"id\",\"created_at\",\"kind\",\"name\",\"size\",\"users\":[ids]}. Exit status 2: "
      "no such file, not a Weft database, unknown document, unusable DIR; 1: a stored version "
      "does not decode.");
  history->add_option("DBFILE", hist->db, "SQLite database file (weft.db in the data directory)")
      ->required()
      ->type_name("PATH");
  history->add_option("DOCID", hist->doc_id, "Document id")->required()->type_name("ID");
  CLI::Option* with_text =
      history->add_flag("--text", hist->text, "Add each version's text to its line (\"text\")");
  const char* out_help =
      "Export instead: DIR/<id>.txt per version and DIR/versions.json (created if missing)";
  CLI::Option* out_dir = history->add_option("-o,--out", hist->out_dir, out_help)->type_name("DIR");
  with_text->excludes(out_dir);
  history->callback([hist] {
    try {
      print_history(hist->db, hist->doc_id, hist->text, hist->out_dir);
    } catch (const CommandError& e) {
      std::cerr << "weft doc history: " << e.what() << "\n";
      std::exit(2);
    } catch (const std::exception& e) {
      std::cerr << "weft doc history: " << e.what() << "\n";
      std::exit(1);
    }
  });

  CLI::App* dmp = doc->add_subcommand("dump", "List the structs and delete set of each file");
  dmp->add_option("files", opts->files, "Update files")->required();
  dmp->callback([opts] {
    run([&] {
      for (const auto& f : opts->files) dump(f, std::cout);
    });
  });
}

}  // namespace weft
