// The export description as JSON (what python/lpa_torch.py reads): valid JSON, typed config
// values, the early-exit rule when there is one.
#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/config/schema.h"
#include "lpa/export/export_json.h"
#include "lpa/io/json.h"

using namespace lpa;

TEST_CASE("export json: the description and every config key, typed") {
  ExperimentConfig cfg = parse_config("model:\n  type: resnet\n  stages: [3, 3, 3]\n  activation: gelu\n  preact: true\n"
                                      "  widths: [4, 8, 16]\n  head: per_stage\ndata:\n  type: idx\n",
                                      "t.yaml");
  ExportInfo info;
  info.model_kind = "resnet";
  info.depth = 5;
  info.full_depth = 9;
  info.task = Task::classification;
  info.input_shape = {1, 28, 28};
  info.input_dtype = "float32";
  info.output_dim = 10;
  info.classes = {"a \"quoted\" name", "b"};
  info.mean = {0.286};
  info.std = {0.353};
  const Json doc = parse_json(export_json(info, cfg));
  REQUIRE(doc.is_object());
  CHECK(doc["format"] == "lpa-export");
  CHECK(doc["model"] == "resnet");
  CHECK(doc["depth"].get<uint64_t>() == 5);
  CHECK(doc["full_depth"].get<uint64_t>() == 9);
  CHECK(doc["task"] == "classification");
  CHECK(doc["input"]["shape"].size() == 3);
  CHECK(doc["classes"].at(0) == "a \"quoted\" name");
  CHECK(doc["normalization"]["mean"].at(0).get<double>() == 0.286);
  CHECK(doc["early_exit"].is_null());
  REQUIRE(doc.contains("config"));
  const Json& c = doc["config"];
  CHECK(c.size() == config_schema().size());
  CHECK(c["model.activation"].is_string());
  CHECK(c["model.activation"] == "gelu");
  CHECK(c["model.stages"].at(0).is_number_integer());
  CHECK(c["model.stages"].at(0).get<uint64_t>() == 3);
  CHECK(c["model.depth"].is_number());
  CHECK(c["model.preact"].is_boolean());
  CHECK(c["model.preact"].get<bool>());
  CHECK(c["model.widths"].size() == 3);
  CHECK(c["model.widths"].at(2).get<uint64_t>() == 16);

  info.early_exit = ExportedExitRule{"entropy", 0.25, "given threshold", 0.9, 2.5};
  info.mean.clear();
  const Json with_exit = parse_json(export_json(info, cfg));
  CHECK(with_exit["early_exit"]["criterion"] == "entropy");
  CHECK(with_exit["early_exit"]["threshold"].get<double>() == 0.25);
  CHECK(with_exit["normalization"].is_null());
}
