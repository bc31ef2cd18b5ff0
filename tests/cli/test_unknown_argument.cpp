// Unknown commands and options are named, with a did-you-mean for a near miss.
#include <CLI/CLI.hpp>

#include "catch.h"
#include "lpa/cli/unknown_argument.h"
#include "lpa/errors.h"

using namespace lpa;

namespace {

// The message check_command_line throws for `args`, or "" when it accepts them.
std::string refusal(const CLI::App& app, const std::vector<std::string>& args) {
  try {
    cli::check_command_line(app, args);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

struct TwoCommands {
  CLI::App app{"test"};
  std::string config, depths, out;
  double temperature = 0;
  bool keys = false;
  TwoCommands() {
    app.set_version_flag("--version", "1");
    auto* t = app.add_subcommand("train", "");
    t->add_option("--config", config);
    t->add_option("-o,--output", out);
    t->add_option("--temperature", temperature);
    auto* e = app.add_subcommand("eval", "");
    e->add_option("--depths", depths);
    e->add_flag("--keys", keys);
  }
};

}  // namespace

TEST_CASE("unknown argument: commands are named, a near miss gets a suggestion") {
  const std::vector<std::string> commands = {"train", "eval", "export"};
  CHECK(cli::unknown_command_message("trian", commands) == "unknown command 'trian' (did you mean train?)");
  CHECK(cli::unknown_command_message("tokenize", commands) ==
        "unknown command 'tokenize' (commands: train, eval, export)");
  CHECK(cli::unknown_option_message("train", "--confg=x.yaml", {"--config", "--set"}) ==
        "train: unknown option '--confg' (did you mean --config?)");
  CHECK(cli::unknown_option_message("", "--frobnicate", {"--help", "--version"}) ==
        "unknown option '--frobnicate' (options: --help, --version)");
}

TEST_CASE("unknown argument: check_command_line finds the first unknown command or option") {
  TwoCommands t;
  CHECK(refusal(t.app, {"train", "--config", "c.yaml", "-o", "x"}).empty());
  CHECK(refusal(t.app, {"train", "--config=c.yaml", "--output=x"}).empty());
  CHECK(refusal(t.app, {"eval", "--keys", "--depths", "1..2"}).empty());
  CHECK(refusal(t.app, {"--version"}).empty());
  CHECK(refusal(t.app, {"train", "--help"}).empty());
  // A value is not an option, whatever it looks like: an option's own value, a negative number,
  // anything after "--".
  CHECK(refusal(t.app, {"train", "--config", "--weird-name.yaml"}).empty());
  CHECK(refusal(t.app, {"train", "--temperature", "-1"}).empty());
  CHECK(refusal(t.app, {"train", "--", "--anything"}).empty());

  CHECK(refusal(t.app, {"trian"}) == "unknown command 'trian' (did you mean train?)");
  CHECK(refusal(t.app, {"predict", "--help"}) == "unknown command 'predict' (commands: train, eval)");
  CHECK(refusal(t.app, {}) == "no command given (commands: train, eval)");
  CHECK(refusal(t.app, {"--verison"}).find("unknown option '--verison' (did you mean --version?)") == 0);
  CHECK(refusal(t.app, {"train", "--confg", "c.yaml"}) == "train: unknown option '--confg' (did you mean --config?)");
  CHECK(refusal(t.app, {"eval", "--keys", "--dpeths=1"}) == "eval: unknown option '--dpeths' (did you mean --depths?)");
  // A flag takes no value: the word after it is checked.
  CHECK(refusal(t.app, {"eval", "--keys", "--depth"}) == "eval: unknown option '--depth' (did you mean --depths?)");
}
