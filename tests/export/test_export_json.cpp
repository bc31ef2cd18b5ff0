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
  const JsonValue doc = parse_json(export_json(info, cfg));
  REQUIRE(doc.is_object());
  CHECK(doc.find("format")->text == "lpa-export");
  CHECK(doc.find("model")->text == "resnet");
  CHECK(doc.find("depth")->as_uint() == 5);
  CHECK(doc.find("full_depth")->as_uint() == 9);
  CHECK(doc.find("task")->text == "classification");
  CHECK(doc.find("input")->find("shape")->array.size() == 3);
  CHECK(doc.find("classes")->array.at(0).text == "a \"quoted\" name");
  CHECK(doc.find("normalization")->find("mean")->array.at(0).text == "0.286");
  CHECK(doc.find("early_exit")->type == JsonValue::Type::null);
  const JsonValue* c = doc.find("config");
  REQUIRE(c);
  CHECK(c->object.size() == config_schema().size());
  CHECK(c->find("model.activation")->type == JsonValue::Type::string);
  CHECK(c->find("model.activation")->text == "gelu");
  CHECK(c->find("model.stages")->array.at(0).type == JsonValue::Type::number);
  CHECK(c->find("model.stages")->array.at(0).as_uint() == 3);
  CHECK(c->find("model.depth")->type == JsonValue::Type::number);
  CHECK(c->find("model.preact")->type == JsonValue::Type::boolean);
  CHECK(c->find("model.preact")->boolean);
  CHECK(c->find("model.widths")->array.size() == 3);
  CHECK(c->find("model.widths")->array.at(2).as_uint() == 16);

  info.early_exit = ExportedExitRule{"entropy", 0.25, "given threshold", 0.9, 2.5};
  info.mean.clear();
  const JsonValue with_exit = parse_json(export_json(info, cfg));
  CHECK(with_exit.find("early_exit")->find("criterion")->text == "entropy");
  CHECK(with_exit.find("early_exit")->find("threshold")->text == "0.25");
  CHECK(with_exit.find("normalization")->type == JsonValue::Type::null);
}
