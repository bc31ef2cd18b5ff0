// data.strip_headers: a mail's body is what follows its first blank line ("\n\n" or
// "\r\n\r\n"); the text classifier then reads the body's first seq_len bytes, not the routing
// headers. Guards mail_body() in src/lpa/data/mail_body.cpp and its use in
// text_classification_dataset.cpp (content()).
#include <filesystem>
#include <set>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/mail_body.h"
#include "lpa/data/registry.h"
#include "lpa/data/text_classification_dataset.h"
#include "test_support.h"

using namespace lpa;

namespace {

const char* kUnixMail =
    "From spammer@example.com  Thu Aug 22 13:17:22 2002\n"
    "Delivered-To: zzzz@localhost.spamassassin.taint.org\n"
    "Subject: cheap pills\n"
    "\n"
    "Buy now!\n\nSecond paragraph.\n";

const char* kDosMail =
    "Received: from mail.netnoteinc.com\r\n"
    "Subject: meeting\r\n"
    "\r\n"
    "See you at ten.\r\n";

std::string text_of(const torch::Tensor& row) {
  std::string s;
  for (int64_t t = 0; t < row.size(0); ++t) {
    const int64_t v = row[t].item<int64_t>();
    if (v != kPadToken) s += static_cast<char>(v);
  }
  return s;
}

}  // namespace

TEST_CASE("mail body: after the first blank line, LF or CRLF, no blank line keeps it all") {
  CHECK(mail_body(kUnixMail) == "Buy now!\n\nSecond paragraph.\n");  // only the first blank line ends the headers
  CHECK(mail_body(kDosMail) == "See you at ten.\r\n");
  CHECK(mail_body("Subject: x\n\r\nbody") == "body");                 // mixed endings
  CHECK(mail_body("no headers, no blank line\njust text") == "no headers, no blank line\njust text");
  CHECK(mail_body("Subject: headers only\n") == "Subject: headers only\n");
  CHECK(mail_body("\nstarts blank") == "starts blank");
  CHECK(mail_body("Subject: x\n\n").empty());                         // an empty body stays empty
  CHECK(mail_body("").empty());
}

TEST_CASE("text classification: data.strip_headers reads each mail's body, not its headers") {
  test::TempDir dir("strip_headers");
  namespace fs = std::filesystem;
  for (const char* f : {"ham", "spam"}) fs::create_directories(dir.file(std::string("root/") + f));
  for (int i = 0; i < 4; ++i) {
    test::write_text(dir.file("root/spam/" + std::to_string(i) + ".txt"), kUnixMail);
    test::write_text(dir.file("root/ham/" + std::to_string(i) + ".txt"), kDosMail);
  }
  auto load = [&](const char* strip) {
    auto cfg = parse_config("model:\n  type: transformer\n  depth: 2\n  width: 16\n  heads: 2\n  causal: false\n"
                            "data:\n  type: text_classification\n  seq_len: 8\n  root: " + dir.file("root") +
                                "\n  val_fraction: 0\n  test_fraction: 0\n  strip_headers: " + strip + "\n",
                            "t.yaml");
    auto data = make_dataset(cfg);
    auto b = data->get(Split::train, torch::arange(8, torch::kLong), false);
    std::set<std::string> texts;
    for (int64_t i = 0; i < 8; ++i) texts.insert(text_of(b.x[i]));
    return std::make_pair(texts, data->describe());
  };
  auto [bodies, described] = load("true");
  CHECK(bodies == std::set<std::string>{"Buy now!", "See you "});  // seq_len = 8 bytes of each body
  CHECK(described.find("after its headers") != std::string::npos);
  auto [headers, described_raw] = load("false");
  CHECK(headers == std::set<std::string>{"From spa", "Received"});
  CHECK(described_raw.find("after its headers") == std::string::npos);
}
