// A command line that names a command or option lpa does not have: the word is quoted, and a
// near miss gets a did-you-mean (the same typo distance as for config keys).
#pragma once
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace lpa::cli {

// "unknown command 'trian' (did you mean train?)", or with no near miss
// "unknown command 'tokenize' (commands: train, eval, ...)".
std::string unknown_command_message(const std::string& word, const std::vector<std::string>& commands);

// "train: unknown option '--confg' (did you mean --config?)", or with no near miss the list of
// the command's options; no "train: " when `command` is empty. "=value" is left out.
std::string unknown_option_message(const std::string& command, const std::string& option,
                                   const std::vector<std::string>& options);

// Throws UserError naming the first command or option in `args` (argv without argv[0]) that
// `app` does not define. Runs before CLI11 parses: CLI11 would report `lpa train --confg x` as
// "--config is required" and treat `lpa predict --help` as a request for the top-level help.
void check_command_line(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace lpa::cli
