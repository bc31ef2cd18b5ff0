#include "lpa/text/post_processors.h"

namespace lpa {

PostProcessor::~PostProcessor() = default;

namespace {

// ids before the text, ids after it.
class Surround : public PostProcessor {
 public:
  Surround(std::vector<int64_t> before, std::vector<int64_t> after)
      : before_(std::move(before)), after_(std::move(after)) {}
  void process(std::vector<int64_t>& ids) const override {
    ids.insert(ids.begin(), before_.begin(), before_.end());
    ids.insert(ids.end(), after_.begin(), after_.end());
  }

 private:
  std::vector<int64_t> before_, after_;
};

class Sequence : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  void process(std::vector<int64_t>& ids) const override {
    for (const auto& step : steps_) step->process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

class Nothing : public PostProcessor {
 public:
  void process(std::vector<int64_t>&) const override {}
};

// TemplateProcessing's "single": [{"SpecialToken": {"id": NAME}}, {"Sequence": {"id": "A"}}, ...]
// with NAME's ids in "special_tokens".
std::unique_ptr<PostProcessor> template_processing(const JsonPlace& place) {
  const JsonPlace single = place.need("single");
  const JsonPlace specials = place["special_tokens"];
  std::vector<int64_t> before, after;
  bool seen_text = false;
  for (size_t i = 0; i < single.array().size(); ++i) {
    const JsonPlace piece = single[i];
    if (!piece["Sequence"].is_null()) {
      const std::string id = piece["Sequence"].need("id").string();
      if (id != "A") piece["Sequence"]["id"].fail("a single text is sequence A, got '" + id + "'");
      if (seen_text) piece.fail("sequence A appears twice");
      seen_text = true;
      continue;
    }
    if (piece["SpecialToken"].is_null()) piece.fail("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    const std::string name = piece["SpecialToken"].need("id").string();
    const JsonPlace special = specials[name];
    if (special.is_null()) piece.fail("special token '" + name + "' is not in special_tokens");
    const JsonPlace ids = special.need("ids");
    for (size_t k = 0; k < ids.array().size(); ++k) (seen_text ? after : before).push_back(ids[k].integer());
  }
  if (!seen_text) single.fail("no {\"Sequence\": {\"id\": \"A\"}}: the text would be dropped");
  return std::make_unique<Surround>(std::move(before), std::move(after));
}

// ["<s>", 0]: the id of a RobertaProcessing / BertProcessing token.
int64_t token_pair_id(const JsonPlace& place) {
  if (!place.value().is_array() || place.value().size() != 2) place.fail("expected [token, id]");
  return place[1].integer();
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const JsonPlace& place) {
  if (place.is_null()) return nullptr;
  const std::string type = place.type();
  if (type == "TemplateProcessing") return template_processing(place);
  if (type == "RobertaProcessing" || type == "BertProcessing")
    return std::make_unique<Surround>(std::vector<int64_t>{token_pair_id(place.need("cls"))},
                                      std::vector<int64_t>{token_pair_id(place.need("sep"))});
  if (type == "ByteLevel") return std::make_unique<Nothing>();
  if (type == "Sequence") {
    const JsonPlace list = place.need("processors");
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (size_t i = 0; i < list.array().size(); ++i)
      if (auto step = make_post_processor(list[i])) steps.push_back(std::move(step));
    return std::make_unique<Sequence>(std::move(steps));
  }
  place.unsupported("post_processor");
}

}  // namespace lpa
