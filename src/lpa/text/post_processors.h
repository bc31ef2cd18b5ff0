// tokenizer.json's "post_processor": the special tokens put around an encoded text (Llama-3's
// <|begin_of_text|>, BERT's [CLS] ... [SEP]). Only the single-text form: lpa encodes no pairs.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "lpa/text/json_fields.h"

namespace lpa {

class PostProcessor {
 public:
  virtual ~PostProcessor();
  virtual void process(std::vector<int64_t>& ids) const = 0;
};

// null -> nullptr. Types: TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel (no
// change to ids: it only trims offsets), Sequence; any other throws UserError naming the file
// and the type.
std::unique_ptr<PostProcessor> make_post_processor(const JsonPlace& place);

}  // namespace lpa
