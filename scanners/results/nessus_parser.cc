#include "scanners/results/nessus_parser.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "scanners/results/xml_scanner.h"

namespace nmcp::scanners {

namespace {

const std::string kEmpty;

int to_int(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Where in the document the parser is; only these places keep text.
enum class Place { Other, PolicyName, HostTag, ItemChild };

// The .nessus layer over the XML scanner: which elements make hosts and findings.
class Parser final : public XmlEvents {
 public:
  Parser(ReportVisitor& visitor, const ParseLimits& limits) : visitor_(visitor), limits_(limits) {}

  bool wants_text() const override { return place_ != Place::Other; }
  const std::string& stop_reason() const { return stop_reason_; }

  bool start(std::string_view el, const std::vector<XmlAttribute>& attrs) override {
    if (++depth_ > limits_.max_depth) {
      return stop("the export nests elements deeper than " + std::to_string(limits_.max_depth));
    }
    if (!root_seen_) {
      root_seen_ = true;
      if (el == "NessusClientData") {
        return stop("this is a legacy v1 .nessus file (<NessusClientData>); only v2 is supported");
      }
      if (el != "NessusClientData_v2") {
        return stop("the root element is <" + std::string(el.substr(0, 64)) +
                    ">, not <NessusClientData_v2>: this is not a complete .nessus v2 export");
      }
      return true;
    }
    text_.clear();
    if (in_item_) {
      if (depth_ == item_depth_ + 1) place_ = Place::ItemChild;
      return true;
    }
    if (el == "policyName" && in_policy_) {
      place_ = Place::PolicyName;
    } else if (el == "Policy") {
      in_policy_ = true;
    } else if (el == "Report") {
      report_.scan_name = std::string(attribute(attrs, "name"));
    } else if (el == "ReportHost") {
      if (!report_sent_) {
        visitor_.on_report(report_);
        report_sent_ = true;
      }
      host_ = ReportHost{};
      host_.name = std::string(attribute(attrs, "name"));
      in_host_ = true;
      host_sent_ = false;
      ++stats_.hosts;
    } else if (el == "tag" && in_properties_) {
      place_ = Place::HostTag;
      tag_name_ = std::string(attribute(attrs, "name"));
    } else if (el == "HostProperties" && in_host_) {
      in_properties_ = true;
    } else if (el == "ReportItem" && in_host_) {
      send_host();
      in_item_ = true;
      item_depth_ = depth_;
      item_.reset();
      for (const auto& a : attrs) {
        ReportField& f = item_.add_attribute();
        f.name.assign(a.name);
        f.value.assign(a.value);
      }
      item_.plugin_id = to_int(attribute(attrs, "pluginID"));
      item_.severity = to_int(attribute(attrs, "severity"));
      item_.port = to_int(attribute(attrs, "port"));
      item_.protocol = std::string(attribute(attrs, "protocol"));
      item_.svc_name = std::string(attribute(attrs, "svc_name"));
      item_.plugin_name = std::string(attribute(attrs, "pluginName"));
      item_.plugin_family = std::string(attribute(attrs, "pluginFamily"));
    }
    return true;
  }

  bool end(std::string_view el) override {
    if (in_item_) {
      if (depth_ == item_depth_) {
        in_item_ = false;
        ++stats_.items;
        visitor_.on_item(host_, item_);
        if (!visitor_.wants_more()) return stop("the reader refused the export");
      } else if (depth_ == item_depth_ + 1 && place_ == Place::ItemChild) {
        ReportField& f = item_.add_child();
        f.name.assign(el);
        f.value.swap(text_);  // no copy: text_ takes the old value's buffer for the next text
        normalise(f.value);
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
      if (!visitor_.wants_more()) return stop("the reader refused the export");
    } else if (el == "NessusClientData_v2" && !report_sent_) {
      visitor_.on_report(report_);
      report_sent_ = true;
    }
    text_.clear();
    --depth_;
    return true;
  }

  bool text(std::string_view piece) override {
    if (text_.size() + piece.size() > limits_.max_text_bytes) {
      return stop("a text node is larger than " + std::to_string(limits_.max_text_bytes) +
                  " bytes");
    }
    text_.append(piece);
    return true;
  }

  ParseStats stats_;

 private:
  bool stop(std::string why) {
    if (stop_reason_.empty()) stop_reason_ = std::move(why);
    return false;
  }

  void send_host() {
    if (host_sent_) return;
    host_sent_ = true;
    visitor_.on_host(host_);
  }

  // Character references can still carry CRs (agent exports are full of &#xd;): consumers see
  // "\n" only.
  static void normalise(std::string& s) {
    if (s.find('\r') == std::string::npos) return;
    std::size_t out = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\r') {
        if (i + 1 < s.size() && s[i + 1] == '\n') continue;
        s[out++] = '\n';
      } else {
        s[out++] = s[i];
      }
    }
    s.resize(out);
  }

  static std::string_view attribute(const std::vector<XmlAttribute>& attrs, std::string_view key) {
    for (const auto& a : attrs) {
      if (a.name == key) return a.value;
    }
    return {};
  }

  ReportVisitor& visitor_;
  const ParseLimits limits_;
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

Error scan_error(const XmlScanner& scanner, const Parser& parser) {
  using F = XmlScanner::Failure;
  switch (scanner.failure()) {
    case F::Stopped:
      return {ErrorCode::InvalidArgument, parser.stop_reason() + scanner.where(),
              "export the scan again from Nessus in the .nessus (v2) format"};
    case F::Doctype:
      return {ErrorCode::InvalidArgument, scanner.where(),
              "export the scan again from Nessus in the .nessus (v2) format"};
    default:
      if (!scanner.root_seen() && scanner.where().rfind("the export is empty", 0) == 0) {
        return {ErrorCode::InvalidArgument, scanner.where(),
                "export the scan again in the .nessus format"};
      }
      return {ErrorCode::InvalidArgument, scanner.where(),
              "the file is damaged; download the export again"};
  }
}

}  // namespace

const std::string& ReportHost::property(const std::string& tag) const {
  const auto it = properties.find(tag);
  return it == properties.end() ? kEmpty : it->second;
}

const std::string& ReportItem::attribute(std::string_view name) const {
  for (const auto& f : attributes()) {
    if (f.name == name) return f.value;
  }
  return kEmpty;
}

const std::string& ReportItem::first(std::string_view child) const {
  for (const auto& f : children()) {
    if (f.name == child) return f.value;
  }
  return kEmpty;
}

std::vector<std::string> ReportItem::all(std::string_view child) const {
  std::vector<std::string> out;
  for (const auto& f : children()) {
    if (f.name == child) out.push_back(f.value);
  }
  return out;
}

void ReportItem::reset() {
  attribute_count_ = 0;
  child_count_ = 0;
}

ReportField& ReportItem::add_attribute() {
  if (attribute_count_ == attributes_.size()) attributes_.emplace_back();
  return attributes_[attribute_count_++];
}

ReportField& ReportItem::add_child() {
  if (child_count_ == children_.size()) children_.emplace_back();
  return children_[child_count_++];
}

Result<ParseStats> parse_nessus(const std::function<long(char*, std::size_t)>& read,
                                ReportVisitor& visitor, const ParseLimits& limits) {
  Parser parser(visitor, limits);
  constexpr std::size_t kChunk = 256U << 10U;
  constexpr std::size_t kMaxTag = 4U << 20U;  // the Policy section's longest values fit easily
  XmlScanner scanner(parser, kMaxTag);
  std::vector<char> buffer(kChunk);
  std::size_t have = 0;  // unconsumed bytes at the front of buffer
  for (;;) {
    if (buffer.size() - have < kChunk / 2) buffer.resize(buffer.size() + kChunk);
    const long n = read(buffer.data() + have, buffer.size() - have);
    if (n < 0) return fail(ErrorCode::Unavailable, "reading the export failed");
    parser.stats_.bytes += static_cast<std::uint64_t>(n);
    if (parser.stats_.bytes > limits.max_total_bytes) {
      return fail(ErrorCode::InvalidArgument, "the export is larger than the configured limit");
    }
    have += static_cast<std::size_t>(n);
    const bool final = n == 0;
    auto used = scanner.feed(buffer.data(), have, final);
    if (!used) return fail(scan_error(scanner, parser));
    std::memmove(buffer.data(), buffer.data() + *used, have - *used);
    have -= *used;
    if (final) return parser.stats_;
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
