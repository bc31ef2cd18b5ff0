#include "lpa/data/dataset.h"

#include "lpa/errors.h"

namespace lpa {

std::string to_string(Task t) {
  switch (t) {
    case Task::regression: return "regression";
    case Task::classification: return "classification";
    case Task::language_model: return "language_model";
  }
  return "?";
}

std::string to_string(Split s) {
  switch (s) {
    case Split::train: return "train";
    case Split::val: return "val";
    case Split::test: return "test";
  }
  return "?";
}

Split parse_split(const std::string& s) {
  if (s == "train") return Split::train;
  if (s == "val" || s == "validation") return Split::val;
  if (s == "test") return Split::test;
  throw UserError("split '" + s + "' is not train, val or test");
}

}  // namespace lpa
