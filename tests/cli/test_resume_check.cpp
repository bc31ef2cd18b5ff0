// Which config changes a run directory accepts on resume (src/lpa/cli/resume_check.cpp).
#include "catch.h"
#include "lpa/cli/resume_check.h"
#include "lpa/config/load.h"
#include "test_support.h"

using namespace lpa;
using lpa::cli::check_resume;

namespace {

ExperimentConfig tiny(const std::vector<std::string>& sets = {}) {
  return parse_config(test::tiny_surface_yaml("rc", 300), "c.yaml", sets);
}

}  // namespace

TEST_CASE("resume check: the same computation passes, placement warns, launch keys are silent") {
  auto same = check_resume(tiny(), tiny());
  CHECK(same.refused.empty());
  CHECK(same.moved.empty());
  CHECK(same.extension.empty());
  auto moved = check_resume(tiny(), tiny({"train.threads=4", "train.device=auto", "train.cuda_graph=true"}));
  CHECK(moved.refused.empty());
  CHECK(moved.moved == std::vector<std::string>{"train.device cpu -> auto", "train.threads 1 -> 4",
                                                "train.cuda_graph false -> true"});
  auto launch = check_resume(tiny(), tiny({"train.requeue=true", "train.dist_backend=gloo", "output.tensorboard=false",
                                           "experiment.notes=again", "output.root=elsewhere"}));
  CHECK(launch.refused.empty());
  CHECK(launch.moved.empty());
}

TEST_CASE("resume check: a longer run is an extension, a shorter or other one is refused by key") {
  auto longer = check_resume(tiny(), tiny({"train.steps=600"}));
  CHECK(longer.refused.empty());
  CHECK(longer.extension == "train.steps 300 -> 600");
  CHECK(check_resume(tiny(), tiny({"train.steps=200"})).refused ==
        "train.steps is 300 there, 200 here (a run can be extended, not shortened)");
  const auto by_epochs = tiny({"train.steps=0", "train.epochs=3"});
  CHECK(check_resume(by_epochs, tiny({"train.steps=0", "train.epochs=5"})).extension == "train.epochs 3 -> 5");
  CHECK(check_resume(by_epochs, tiny({"train.steps=0", "train.epochs=2"})).refused ==
        "train.epochs is 3 there, 2 here (a run can be extended, not shortened)");
  CHECK(check_resume(by_epochs, tiny({"train.steps=900"})).refused ==
        "train.steps is 0 there, 900 here (its length was given as train.epochs: extend it with a larger "
        "train.epochs)");
  const auto width = check_resume(tiny(), tiny({"model.width=32", "train.steps=600"}));
  CHECK(width.refused.rfind("model.width is 16 there, 32 here (a run continues only with what it computes", 0) == 0);
  CHECK(width.extension.empty());
  CHECK(check_resume(tiny(), tiny({"train.seed=1"})).refused.rfind("train.seed is 0 there, 1 here", 0) == 0);
  CHECK(check_resume(tiny(), tiny({"train.log_every=5"})).refused.rfind("train.log_every", 0) == 0);
}
