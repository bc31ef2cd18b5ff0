#include "lpa/cli/unknown_argument.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "lpa/config/suggest.h"
#include "lpa/errors.h"

namespace lpa::cli {
namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : ", ") + w;
  return s;
}

// "-1", "-0.5", "-1e-3": a value (a negative number), not an option.
bool is_number(const std::string& s) {
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0';
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
    for (const auto& s : o->get_snames()) names.push_back("-" + s);
  }
  return names;
}

const CLI::Option* find_option(const CLI::App& app, const std::string& name) {
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames())
      if (name == "--" + l) return o;
    for (const auto& s : o->get_snames())
      if (name == "-" + s) return o;
  }
  return nullptr;
}

// The option's name in an argument: "--set=a=1" -> "--set", "-ofile" -> "-o".
std::string option_in(const std::string& arg) {
  if (arg.rfind("--", 0) == 0) return arg.substr(0, arg.find('='));
  return arg.substr(0, 2);
}

void check_options(const CLI::App& app, const std::string& command, const std::vector<std::string>& args,
                   size_t first) {
  for (size_t i = first; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return;  // the rest are positional, whatever they look like
    if (a.size() < 2 || a[0] != '-' || is_number(a)) continue;
    const std::string name = option_in(a);
    const CLI::Option* o = find_option(app, name);
    if (!o) throw UserError(unknown_option_message(command, name, option_names(app)));
    // "--config FILE" / "-o FILE": the next word is this option's value, whatever it looks like.
    if (o->get_items_expected_min() > 0 && name == a) ++i;
  }
}

}  // namespace

std::string unknown_command_message(const std::string& word, const std::vector<std::string>& commands) {
  const std::string near = closest_match(word, commands);
  const std::string hint = near.empty() ? "commands: " + joined(commands) : "did you mean " + near + "?";
  return "unknown command '" + word + "' (" + hint + ")";
}

std::string unknown_option_message(const std::string& command, const std::string& option,
                                   const std::vector<std::string>& options) {
  const std::string name = option.substr(0, option.find('='));
  const std::string near = closest_match(name, options);
  const std::string hint = near.empty() ? "options: " + joined(options) : "did you mean " + near + "?";
  return (command.empty() ? "" : command + ": ") + "unknown option '" + name + "' (" + hint + ")";
}

void check_command_line(const CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    commands.push_back(sub->get_name());
  if (args.empty()) throw UserError("no command given (commands: " + joined(commands) + ")");
  const std::string& first = args.front();
  if (first.size() > 1 && first[0] == '-') {  // lpa --help, lpa --version
    if (!find_option(app, option_in(first)))
      throw UserError(unknown_option_message("", first, option_names(app)));
    return;
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->get_name() == first) return check_options(*sub, first, args, 1);
  throw UserError(unknown_command_message(first, commands));
}

}  // namespace lpa::cli
