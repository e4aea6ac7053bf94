// The XML scanner against expat, the reference: on every document, both accept with the same
// events or both refuse (except the refusals the product makes on purpose), whatever the chunk
// boundaries. Crafted documents cover each rule; real and generated exports cover the rest.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "tests/support/export_generator.h"
#include "tests/support/xml_reference.h"

using namespace nmcp;

namespace {

void same(const std::string& doc,
          std::initializer_list<std::size_t> chunks = {1, 2, 3, 7, 64, 1U << 20U}) {
  const auto reference = testing::expat_events(doc);
  for (const std::size_t chunk : chunks) {
    const auto ours = testing::scanner_events(doc, chunk);
    CAPTURE(doc.substr(0, 120));
    CAPTURE(chunk);
    CAPTURE(reference.error);
    CAPTURE(ours.error);
    if (testing::deliberate_refusal(ours)) continue;
    REQUIRE(ours.accepted == reference.accepted);
    if (ours.accepted) CHECK(ours.events == reference.events);
  }
}

const char* const kDocuments[] = {
    // accepted
    "<a/>",
    "<a></a>",
    "\xEF\xBB\xBF<a/>",
    "\xEF\xBB\xBF<?xml version=\"1.0\"?><a/>",
    "\xEF\xBB\xBF <?xml version=\"1.0\"?><a/>",
    "<?xml version=\"1.0\"?><a/>",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>",
    "<?xml version='1.0' encoding='utf-8' standalone='yes' ?><a/>",
    "<?xml version=\"1.0\" ?>\n<!-- c --><?pi data?>\n<a>x</a>\n<!-- after -->\n",
    "<a b=\"1\" c='2'>t</a>",
    "<a b = \"1\"\n\tc='x&amp;y'/>",
    "<a b=\"x\ty\nz\r\nw\rv\"/>",
    "<a b=\"&#9;&#10;&#13;&#x20;\"/>",
    "<a>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;</a>",
    "<a>line\r\nnext\rlast\n</a>",
    "<a>&#xd;&#xA;</a>",
    "<a><![CDATA[<not> &markup;]]></a>",
    "<a><![CDATA[x\r\ny]]>z</a>",
    "<a>caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80</a>",
    "<a b=\"caf\xC3\xA9\"/>",
    "<a>x]y]]z]</a>",
    "<a>]</a>",
    "<a >text</a >",
    "<a:b xmlns:a=\"u\"><a:c/></a:b>",
    "<_x-y.z/>",
    "<a>\xEF\xB7\x90</a>",
    "<a b=\"&gt;\"/>",
    "<a b='\"'/>",
    "<a b=\"'\"/>",
    "<a>></a>",
    "<a><!----></a>",
    "<a><?x?></a>",
    "  <a/>  ",
    "<a>"
    "\t\n"
    "</a>",
    ("<NessusClientData_v2><Report name=\"x\"><ReportHost name=\"h\"><HostProperties><tag "
     "name=\"host-ip\">10.0.0.1</tag></HostProperties></ReportHost></Report></"
     "NessusClientData_v2>"),
    // refused
    "",
    " ",
    "\xEF\xBB\xBF",
    "text",
    "<a>",
    "<a></b>",
    "</a>",
    "<a/><b/>",
    "<a/>text",
    "text<a/>",
    "<a b=1/>",
    "<a b/>",
    "<a b=\"1\"b=\"2\"/>",
    "<a b=\"1\" b=\"2\"/>",
    "<a b=\"<\"/>",
    "<a b=\"&x;\"/>",
    "<a>&x;</a>",
    "<a>&#0;</a>",
    "<a>&#x110000;</a>",
    "<a>&#xD800;</a>",
    "<a>&#xFFFE;</a>",
    "<a>&#;</a>",
    "<a>&#x;</a>",
    "<a>&amp</a>",
    "<a>&</a>",
    "<a>]]></a>",
    "<a>\x01</a>",
    "<a b=\"\x01\"/>",
    "<a>\xFF</a>",
    "<a>\xC3</a>",
    "<a>\xC0\xAF</a>",
    "<a>\xED\xA0\x80</a>",
    "<a>\xEF\xBF\xBE</a>",
    "<a>\xF4\x90\x80\x80</a>",
    "<a b=\"\xC3\"/>",
    "<!DOCTYPE a><a/>",
    "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
    "<a><!DOCTYPE b></a>",
    "<a><!-- x -- y --></a>",
    "<a><!-- x ---></a>",
    "<a><!-- never closed </a>",
    "<a><![CDATA[never closed</a>",
    "<![CDATA[x]]><a/>",
    "<a><![CDATA[x]]></a><![CDATA[y]]>",
    "<a><!ELEMENT a ANY></a>",
    "<a><?xml version=\"1.0\"?></a>",
    " <?xml version=\"1.0\"?><a/>",
    "<?xml?><a/>",
    "<?xml version=\"2.0\"?><a/>",
    "<?xml version=\"1:0\"?><a/>",
    "<?xml version=\"\"?><a/>",
    "<?xml version=\"\" encoding=\"\"?><a/>",
    "<?xml version=\"1.0\" encoding=\"\"?><a/>",
    "<?xml version=\"1.0\" standalone=\"\"?><a/>",
    "<?xml version=\"1.0\"  ?><a/>",
    "<?xml version = \"1.0\"?><a/>",
    "<?xml\tversion=\"1.0\"?><a/>",
    "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"no\"?><a/>",
    "<?xml version=\"1.0\"encoding=\"utf-8\"?><a/>",
    "<?xml version=\"1.0\" encoding=\"1abc\"?><a/>",
    "<?xml version=\"1.x-y_z\"?><a/>",
    "<?xml version=\"1.0\" foo=\"bar\"?><a/>",
    "<?xml encoding=\"UTF-8\" version=\"1.0\"?><a/>",
    "<?xml version=\"1.0\" standalone=\"maybe\"?><a/>",
    "<?XML version=\"1.0\"?><a/>",
    "<a><?xml-stylesheet x?></a>",
    "<a><? x?></a>",
    "<?xml)version=\"1.0\" ?><a/>",
    "<a><?p)q?></a>",
    "<1a/>",
    "<a 1b=\"x\"/>",
    "<a/ >",
    "<a></a >x",
    "<a></>",
    "< a/>",
    "<a b=\"x\">",
    "<a b=\"x",
    "<a",
    "<",
    "<a></a",
};

}  // namespace

TEST_CASE("xml scanner: every crafted document, at every chunk size, agrees with expat") {
  for (const char* doc : kDocuments) same(doc);
  // Embedded NUL bytes are refused by both.
  same(std::string("<a>x\0y</a>", 10));
}

TEST_CASE("xml scanner: deliberate refusals say why") {
  auto enc = testing::scanner_events("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", 64);
  CHECK(!enc.accepted);
  CHECK(enc.error.find("declares encoding \"ISO-8859-1\"") != std::string::npos);
  auto name = testing::scanner_events("<caf\xC3\xA9/>", 64);
  CHECK(!name.accepted);
  CHECK(name.error.find("non-ASCII element name") != std::string::npos);
  auto doctype = testing::scanner_events("<!DOCTYPE a><a/>", 64);
  CHECK(doctype.error.find("DOCTYPE") != std::string::npos);
  std::string many = "<a";
  for (int i = 0; i < 300; ++i) many += " x" + std::to_string(i) + "=\"\"";
  auto attrs = testing::scanner_events(many + "/>", 1U << 20U);
  CHECK(attrs.error.find("more than 256 attributes") != std::string::npos);
  auto where = testing::scanner_events("<a>\n\n  <b></c></a>", 64);
  CHECK(where.error.find("(line 3, column 6)") != std::string::npos);
}

TEST_CASE("xml scanner: generated exports agree with expat at awkward chunk sizes") {
  testing::ExportSpec spec;
  spec.hosts = 5;
  spec.output_bytes = 900;
  const std::string doc = testing::export_text(spec);
  same(doc, {1, 13, 4096, 1U << 20U});
}
