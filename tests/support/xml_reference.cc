#include "tests/support/xml_reference.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <expat.h>

#include "scanners/results/xml_scanner.h"

namespace nmcp::testing {

namespace {

std::string escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\\')
      out += "\\\\";
    else
      out += c;
  }
  return out;
}

// Builds the canonical stream: adjacent text pieces joined, attributes sorted by name.
class Canon {
 public:
  void start(std::string_view name, std::vector<std::pair<std::string, std::string>> attrs) {
    flush();
    std::sort(attrs.begin(), attrs.end());
    out_ += "S " + std::string(name) + "\n";
    for (const auto& [k, v] : attrs) out_ += "A " + k + "=" + escaped(v) + "\n";
  }
  void end(std::string_view name) {
    flush();
    out_ += "E " + std::string(name) + "\n";
  }
  void text(std::string_view t) { text_.append(t); }
  std::string finish() {
    flush();
    return out_;
  }

 private:
  void flush() {
    if (!text_.empty()) out_ += "T " + escaped(text_) + "\n";
    text_.clear();
  }
  std::string out_, text_;
};

struct ExpatState {
  Canon canon;
  XML_Parser parser;
  bool doctype = false;
};

class ScannerCanon final : public scanners::XmlEvents {
 public:
  bool start(std::string_view name, const std::vector<scanners::XmlAttribute>& attrs) override {
    std::vector<std::pair<std::string, std::string>> a;
    for (const auto& x : attrs) a.emplace_back(std::string(x.name), std::string(x.value));
    canon.start(name, std::move(a));
    return true;
  }
  bool end(std::string_view name) override {
    canon.end(name);
    return true;
  }
  bool text(std::string_view piece) override {
    canon.text(piece);
    return true;
  }
  bool wants_text() const override { return true; }
  Canon canon;
};

}  // namespace

XmlEventsOutcome expat_events(std::string_view document) {
  ExpatState st;
  st.parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(st.parser, &st);
  XML_SetElementHandler(
      st.parser,
      [](void* self, const XML_Char* name, const XML_Char** attrs) {
        std::vector<std::pair<std::string, std::string>> a;
        for (std::size_t i = 0; attrs[i] != nullptr; i += 2) a.emplace_back(attrs[i], attrs[i + 1]);
        static_cast<ExpatState*>(self)->canon.start(name, std::move(a));
      },
      [](void* self, const XML_Char* name) { static_cast<ExpatState*>(self)->canon.end(name); });
  XML_SetCharacterDataHandler(st.parser, [](void* self, const XML_Char* s, int len) {
    static_cast<ExpatState*>(self)->canon.text(std::string_view(s, static_cast<std::size_t>(len)));
  });
  XML_SetStartDoctypeDeclHandler(
      st.parser, [](void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
        auto* s = static_cast<ExpatState*>(self);
        s->doctype = true;
        XML_StopParser(s->parser, XML_FALSE);
      });
  XML_SetParamEntityParsing(st.parser, XML_PARAM_ENTITY_PARSING_NEVER);
  XmlEventsOutcome out;
  const bool ok =
      XML_Parse(st.parser, document.data(), static_cast<int>(document.size()), 1) == XML_STATUS_OK;
  if (ok && !st.doctype) {
    out.accepted = true;
    out.events = st.canon.finish();
  } else {
    out.error = st.doctype ? "DOCTYPE" : XML_ErrorString(XML_GetErrorCode(st.parser));
  }
  XML_ParserFree(st.parser);
  return out;
}

XmlEventsOutcome scanner_events(std::string_view document, std::size_t chunk) {
  ScannerCanon events;
  scanners::XmlScanner scanner(events, 1U << 20U);
  std::string pending;  // what the scanner has not consumed, plus the next chunk
  std::size_t offset = 0;
  XmlEventsOutcome out;
  for (;;) {
    const std::size_t n = std::min(chunk, document.size() - offset);
    pending.append(document.substr(offset, n));
    offset += n;
    const bool final = offset == document.size();
    auto used = scanner.feed(pending.data(), pending.size(), final);
    if (!used) {
      out.error = used.error().message;
      return out;
    }
    pending.erase(0, *used);
    if (final) break;
  }
  out.accepted = true;
  out.events = events.canon.finish();
  return out;
}

bool deliberate_refusal(const XmlEventsOutcome& scanner) {
  return !scanner.accepted && (scanner.error.find("declares encoding") != std::string::npos ||
                               scanner.error.find("non-ASCII") != std::string::npos ||
                               scanner.error.find(" attributes (line") != std::string::npos);
}

}  // namespace nmcp::testing
