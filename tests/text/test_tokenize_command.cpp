// lpa tokenize (src/lpa/cli/tokenize_cmd.cpp): in-process for the output, through the binary for
// the exit codes.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "catch.h"
#include "lpa/cli/commands.h"
#include "lpa/errors.h"
#include "test_support.h"
#include "text/tokenizer_fixtures.h"

using namespace lpa;

namespace {

// What run_tokenize writes to standard output (fd 1), with `stdin_file` as fd 0 if given.
std::string tokenize_output(const cli::TokenizeOptions& o, const std::string& stdin_file = "") {
  test::TempDir dir("tokenize_out");
  const std::string out = dir.file("out");
  std::fflush(stdout);
  const int saved_out = ::dup(1), saved_in = ::dup(0);
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 1);
  ::close(fd);
  if (!stdin_file.empty()) {
    const int in = ::open(stdin_file.c_str(), O_RDONLY);
    ::dup2(in, 0);
    ::close(in);
  }
  auto restore = [&] {
    ::dup2(saved_out, 1);
    ::dup2(saved_in, 0);
    ::close(saved_out);
    ::close(saved_in);
    std::cin.clear();  // stdin was read to its end
  };
  try {
    cli::run_tokenize(o);
  } catch (...) {
    restore();
    throw;
  }
  restore();
  return test::read_text(out);
}

cli::TokenizeOptions options(const std::string& tokenizer, const std::string& file, bool decode = false) {
  cli::TokenizeOptions o;
  o.tokenizer = tokenizer;
  o.files = {file};
  o.decode = decode;
  return o;
}

}  // namespace

TEST_CASE("tokenize command: ids on one line, and --decode gives the text back exactly") {
  test::TempDir dir("tokenize");
  test::write_tiny_gpt2_files(dir.path);
  test::write_text(dir.file("text"), "hello world\n");
  CHECK(tokenize_output(options("bytes", dir.file("text"))) == "104 101 108 108 111 32 119 111 114 108 100 10\n");
  CHECK(tokenize_output(options(dir.path, dir.file("text"))) == "259 264 10\n");  // tiny vocabulary: byte b is id b
  test::write_text(dir.file("ids"), " 259\n264\t10 ");
  CHECK(tokenize_output(options(dir.path, dir.file("ids"), true)) == "hello world\n");
  CHECK(tokenize_output(options(dir.path, "-", true), dir.file("ids")) == "hello world\n");  // - is stdin
  test::write_text(dir.file("empty"), "");
  CHECK(tokenize_output(options(dir.path, dir.file("empty"))) == "\n");
  CHECK(tokenize_output(options(dir.path, dir.file("empty"), true)).empty());
}

TEST_CASE("tokenize command: a bad id or a missing file is a UserError naming it") {
  test::TempDir dir("tokenize_bad");
  test::write_text(dir.file("ids"), "72 300 105");
  CHECK_THROWS_WITH(tokenize_output(options("bytes", dir.file("ids"), true)),
                    "tokenize --decode " + dir.file("ids") + ": token id 300 is out of range (the vocabulary has ids 0..255)");
  test::write_text(dir.file("ids"), "72 x7 105");
  CHECK_THROWS_WITH(tokenize_output(options("bytes", dir.file("ids"), true)),
                    "tokenize --decode " + dir.file("ids") + ": 'x7' (word 2) is not a token id");
  CHECK_THROWS_WITH(tokenize_output(options("bytes", dir.file("missing"))), dir.file("missing") + ": cannot open");
  CHECK_THROWS_WITH(tokenize_output(options(dir.path, dir.file("ids"))),
                    "tokenizer " + dir.path + ": no tokenizer.json, and no vocab.json/encoder.json + merges.txt/vocab.bpe");
}

TEST_CASE("tokenize command: through lpa, several files, and a bad id exits 2 with one line") {
  test::TempDir dir("tokenize_cli");
  test::write_text(dir.file("text"), "Hi");
  auto ok = test::run_lpa("tokenize --tokenizer bytes " + dir.file("text"));
  CHECK(ok.exit_code == 0);
  CHECK(ok.output == "72 105\n");
  // Several files: one line of ids each, in order; a missing one among them writes nothing.
  test::write_text(dir.file("other"), "ok\n");
  auto two = test::run_lpa("tokenize --tokenizer bytes " + dir.file("text") + " " + dir.file("other"));
  CHECK(two.exit_code == 0);
  CHECK(two.output == "72 105\n111 107 10\n");
  auto missing = test::run_lpa("tokenize --tokenizer bytes " + dir.file("text") + " " + dir.file("nope"));
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("72 105") == std::string::npos);
  test::write_text(dir.file("ids"), "72 256");
  auto bad = test::run_lpa("tokenize --tokenizer bytes --decode " + dir.file("ids"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.output == "lpa: error: tokenize --decode " + dir.file("ids") +
                          ": token id 256 is out of range (the vocabulary has ids 0..255)\n");
}
