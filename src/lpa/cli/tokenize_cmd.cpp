// `lpa tokenize --tokenizer DIR|bytes FILE...`: the ids of each text, space-separated on one line
// per file, and with --decode the way back. For checking a tokenizer against a reference
// (scripts/check_tokenizer.sh) and for looking at what a model will see.
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <sstream>

#include "lpa/cli/commands.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/text/tokenizer.h"

namespace lpa::cli {
namespace {

std::string read_input(const std::string& file) {
  if (file != "-") return read_file(file);
  std::ostringstream text;
  text << std::cin.rdbuf();
  return text.str();
}

// Whitespace-separated ids; anything else is named with its place.
std::vector<int64_t> parse_ids(const std::string& text, const std::string& name) {
  std::vector<int64_t> ids;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    size_t used = 0;
    int64_t id = -1;
    try {
      id = std::stoll(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != word.size())
      throw UserError("tokenize --decode " + name + ": '" + word + "' (word " + std::to_string(ids.size() + 1) +
                      ") is not a token id");
    ids.push_back(id);
  }
  return ids;
}

void write_stdout(const std::string& text) {
  std::cout.flush();
  if (!write_fully(STDOUT_FILENO, text.data(), text.size())) throw UserError(write_error("stdout", errno));
}

}  // namespace

int run_tokenize(const TokenizeOptions& o) {
  if (o.files.empty()) throw UserError("tokenize: give a FILE (or - for standard input)");
  const auto tokenizer = load_tokenizer(o.tokenizer);
  // Every file is read before anything is written: a missing one leaves no partial output.
  std::vector<std::string> texts;
  for (const auto& f : o.files) texts.push_back(read_input(f));
  std::string out;
  for (size_t i = 0; i < o.files.size(); ++i) {
    const std::string name = o.files[i] == "-" ? "(stdin)" : o.files[i];
    if (o.decode) {
      try {
        out += tokenizer->decode(parse_ids(texts[i], name));  // the text exactly: no newline added
      } catch (const UserError& e) {
        const std::string what = e.what();
        if (what.rfind("tokenize", 0) == 0) throw;
        throw UserError("tokenize --decode " + name + ": " + what);
      }
      continue;
    }
    std::string line;
    for (int64_t id : tokenizer->encode(texts[i])) {
      if (!line.empty()) line += ' ';
      line += std::to_string(id);
    }
    out += line + "\n";
  }
  write_stdout(out);
  return 0;
}

}  // namespace lpa::cli
