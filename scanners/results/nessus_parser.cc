#include "scanners/results/nessus_parser.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <expat.h>

namespace nmcp::scanners {

namespace {

const std::string kEmpty;

int to_int(const std::string& s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Where in the document the parser is; only these places keep text.
enum class Place { Other, PolicyName, HostTag, ItemChild };

class Parser {
 public:
  Parser(ReportVisitor& visitor, const ParseLimits& limits)
      : visitor_(visitor), limits_(limits), parser_(XML_ParserCreate("UTF-8")) {
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &Parser::start_cb, &Parser::end_cb);
    XML_SetCharacterDataHandler(parser_, &Parser::text_cb);
    XML_SetStartDoctypeDeclHandler(parser_, &Parser::doctype_cb);
    XML_SetEntityDeclHandler(parser_, &Parser::entity_cb);
    // Never resolve an external entity; a DOCTYPE is refused before any could appear.
    XML_SetParamEntityParsing(parser_, XML_PARAM_ENTITY_PARSING_NEVER);
  }
  ~Parser() { XML_ParserFree(parser_); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  Status feed(const char* data, std::size_t size, bool final) {
    stats_.bytes += size;
    if (stats_.bytes > limits_.max_total_bytes) {
      return fail(ErrorCode::InvalidArgument, "the export is larger than the configured limit");
    }
    if (XML_Parse(parser_, data, static_cast<int>(size), final ? 1 : 0) == XML_STATUS_ERROR) {
      return fail(error());
    }
    if (final && !root_seen_) {
      return fail(ErrorCode::InvalidArgument, "the export is empty",
                  "export the scan again in the .nessus format");
    }
    return ok();
  }

  const ParseStats& stats() const { return stats_; }

 private:
  static void start_cb(void* self, const XML_Char* name, const XML_Char** attrs) {
    static_cast<Parser*>(self)->start(name, attrs);
  }
  static void end_cb(void* self, const XML_Char* name) { static_cast<Parser*>(self)->end(name); }
  static void text_cb(void* self, const XML_Char* s, int len) {
    static_cast<Parser*>(self)->text(s, static_cast<std::size_t>(len));
  }
  static void doctype_cb(void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<Parser*>(self)->stop(
        "the export contains a DOCTYPE; .nessus files never do, and DTDs (entity expansion, "
        "external entities) are refused");
  }
  static void entity_cb(void* self, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                        const XML_Char*, const XML_Char*, const XML_Char*) {
    static_cast<Parser*>(self)->stop("the export declares entities, which are refused");
  }

  void stop(std::string why) {
    if (!stop_reason_.empty()) return;
    stop_reason_ = std::move(why);
    XML_StopParser(parser_, XML_FALSE);
  }

  Error error() const {
    const auto line = XML_GetCurrentLineNumber(parser_);
    const auto column = XML_GetCurrentColumnNumber(parser_);
    const std::string where =
        " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
    if (!stop_reason_.empty()) {
      return Error{ErrorCode::InvalidArgument, stop_reason_ + where,
                   "export the scan again from Nessus in the .nessus (v2) format"};
    }
    const XML_Error code = XML_GetErrorCode(parser_);
    std::string message = XML_ErrorString(code);
    if (code == XML_ERROR_NO_ELEMENTS && !root_seen_) {
      return Error{ErrorCode::InvalidArgument, "the export is empty" + where,
                   "export the scan again in the .nessus format"};
    }
    if (code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN ||
        code == XML_ERROR_PARTIAL_CHAR) {
      message = "the export is truncated: " + message;
    } else if (code == XML_ERROR_INVALID_TOKEN || code == XML_ERROR_BAD_CHAR_REF) {
      message = "the export is not well-formed XML or not UTF-8: " + message;
    } else {
      message = "the export is not well-formed XML: " + message;
    }
    return Error{ErrorCode::InvalidArgument, message + where,
                 "the file is damaged; download the export again"};
  }

  void start(const XML_Char* name, const XML_Char** attrs) {
    if (!stop_reason_.empty()) return;
    if (++depth_ > limits_.max_depth) {
      stop("the export nests elements deeper than " + std::to_string(limits_.max_depth));
      return;
    }
    const std::string_view el(name);
    if (!root_seen_) {
      root_seen_ = true;
      if (el == "NessusClientData") {
        stop("this is a legacy v1 .nessus file (<NessusClientData>); only v2 is supported");
      } else if (el != "NessusClientData_v2") {
        stop("the root element is <" + std::string(el) +
             ">, not <NessusClientData_v2>: this is not a complete .nessus v2 export");
      }
      return;
    }
    text_.clear();
    if (in_item_) {
      if (depth_ == item_depth_ + 1) place_ = Place::ItemChild;
      return;
    }
    if (el == "policyName" && in_policy_) {
      place_ = Place::PolicyName;
    } else if (el == "Policy") {
      in_policy_ = true;
    } else if (el == "Report") {
      report_.scan_name = attribute(attrs, "name");
    } else if (el == "ReportHost") {
      if (!report_sent_) {
        visitor_.on_report(report_);
        report_sent_ = true;
      }
      host_ = ReportHost{};
      host_.name = attribute(attrs, "name");
      in_host_ = true;
      host_sent_ = false;
      ++stats_.hosts;
    } else if (el == "tag" && in_properties_) {
      place_ = Place::HostTag;
      tag_name_ = attribute(attrs, "name");
    } else if (el == "HostProperties" && in_host_) {
      in_properties_ = true;
    } else if (el == "ReportItem" && in_host_) {
      send_host();
      in_item_ = true;
      item_depth_ = depth_;
      item_ = ReportItem{};
      for (std::size_t i = 0; attrs[i] != nullptr; i += 2) {
        item_.attributes[attrs[i]] = attrs[i + 1];
      }
      auto attr = [this](const char* key) -> const std::string& {
        const auto it = item_.attributes.find(key);
        return it == item_.attributes.end() ? kEmpty : it->second;
      };
      item_.plugin_id = to_int(attr("pluginID"));
      item_.severity = to_int(attr("severity"));
      item_.port = to_int(attr("port"));
      item_.protocol = attr("protocol");
      item_.svc_name = attr("svc_name");
      item_.plugin_name = attr("pluginName");
      item_.plugin_family = attr("pluginFamily");
    }
  }

  void end(const XML_Char* name) {
    if (!stop_reason_.empty()) return;
    const std::string_view el(name);
    if (in_item_) {
      if (depth_ == item_depth_) {
        in_item_ = false;
        ++stats_.items;
        visitor_.on_item(host_, item_);
      } else if (depth_ == item_depth_ + 1 && place_ == Place::ItemChild) {
        item_.children[std::string(el)].push_back(normalise(text_));
        place_ = Place::Other;
      }
    } else if (place_ == Place::PolicyName && el == "policyName") {
      report_.policy_name = text_;
      place_ = Place::Other;
    } else if (place_ == Place::HostTag && el == "tag") {
      host_.properties[tag_name_] = text_;
      place_ = Place::Other;
    } else if (el == "HostProperties") {
      in_properties_ = false;
    } else if (el == "Policy") {
      in_policy_ = false;
    } else if (el == "ReportHost") {
      send_host();
      visitor_.on_host_end(host_);
      in_host_ = false;
    } else if (el == "NessusClientData_v2" && !report_sent_) {
      visitor_.on_report(report_);
      report_sent_ = true;
    }
    text_.clear();
    --depth_;
  }

  void text(const XML_Char* s, std::size_t len) {
    if (place_ == Place::Other || !stop_reason_.empty()) return;
    if (text_.size() + len > limits_.max_text_bytes) {
      stop("a text node is larger than " + std::to_string(limits_.max_text_bytes) + " bytes");
      return;
    }
    text_.append(s, len);
  }

  void send_host() {
    if (host_sent_) return;
    host_sent_ = true;
    visitor_.on_host(host_);
  }

  // Agent exports carry CR entities: normalise line ends so consumers see "\n" only.
  static std::string normalise(const std::string& s) {
    if (s.find('\r') == std::string::npos) return s;
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\r') {
        if (i + 1 < s.size() && s[i + 1] == '\n') continue;
        out += '\n';
      } else {
        out += s[i];
      }
    }
    return out;
  }

  static std::string attribute(const XML_Char** attrs, std::string_view key) {
    for (std::size_t i = 0; attrs[i] != nullptr; i += 2) {
      if (key == attrs[i]) return attrs[i + 1];
    }
    return {};
  }

  ReportVisitor& visitor_;
  const ParseLimits limits_;
  XML_Parser parser_;
  ParseStats stats_;
  std::string stop_reason_;

  std::size_t depth_ = 0;
  bool root_seen_ = false;
  bool in_policy_ = false;
  bool in_host_ = false;
  bool in_properties_ = false;
  bool in_item_ = false;
  bool host_sent_ = false;
  bool report_sent_ = false;
  std::size_t item_depth_ = 0;
  Place place_ = Place::Other;
  std::string text_;
  std::string tag_name_;
  ReportInfo report_;
  ReportHost host_;
  ReportItem item_;
};

}  // namespace

const std::string& ReportHost::property(const std::string& tag) const {
  const auto it = properties.find(tag);
  return it == properties.end() ? kEmpty : it->second;
}

const std::string& ReportItem::first(const std::string& child) const {
  const auto it = children.find(child);
  return it == children.end() || it->second.empty() ? kEmpty : it->second.front();
}

Result<ParseStats> parse_nessus(const std::function<long(char*, std::size_t)>& read,
                                ReportVisitor& visitor, const ParseLimits& limits) {
  Parser parser(visitor, limits);
  std::vector<char> buffer(256U << 10U);
  for (;;) {
    const long n = read(buffer.data(), buffer.size());
    if (n < 0) return fail(ErrorCode::Unavailable, "reading the export failed");
    if (auto s = parser.feed(buffer.data(), static_cast<std::size_t>(n), n == 0); !s) {
      return fail(s.error());
    }
    if (n == 0) return parser.stats();
  }
}

Result<ParseStats> parse_nessus_file(const std::string& path, ReportVisitor& visitor,
                                     const ParseLimits& limits) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    return fail(ErrorCode::NotFound,
                "cannot open the export " + path + ": " + std::strerror(errno));
  }
  return parse_nessus(
      [&f](char* buf, std::size_t size) -> long {
        const std::size_t n = std::fread(buf, 1, size, f.get());
        if (n == 0 && std::ferror(f.get()) != 0) return -1;
        return static_cast<long>(n);
      },
      visitor, limits);
}

Result<ParseStats> parse_nessus_text(std::string_view text, ReportVisitor& visitor,
                                     const ParseLimits& limits) {
  std::size_t offset = 0;
  return parse_nessus(
      [&](char* buf, std::size_t size) -> long {
        const std::size_t n = std::min(size, text.size() - offset);
        std::memcpy(buf, text.data() + offset, n);
        offset += n;
        return static_cast<long>(n);
      },
      visitor, limits);
}

}  // namespace nmcp::scanners
