// Labelled documents from a CSV (data.type text_classification, data.csv): read, split, batched.
#include "fuzz_support.h"
#include "lpa/config/config.h"
#include "lpa/data/text_classification_dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lpa::ExperimentConfig cfg;
  cfg.data.type = "text_classification";
  cfg.data.csv = lpa::fuzz::write_scratch_file("docs.csv", data, size);
  cfg.data.seq_len = 32;
  lpa::fuzz::expect_result_or_user_error([&] { lpa::make_text_classification_dataset(cfg); });
  return 0;
}
