// task_losses: the K exits' losses computed in one pass equal task_loss of each exit alone, in
// value and in gradient, for every task (label smoothing included).
#include "catch.h"
#include "lpa/objectives/task_loss.h"

using namespace lpa;

namespace {

void check_matches_one_by_one(Task task, const std::vector<int64_t>& pred_shape, const torch::Tensor& y,
                              double smoothing) {
  torch::manual_seed(11);
  std::vector<torch::Tensor> preds;
  for (int k = 0; k < 3; ++k) preds.push_back(torch::randn(pred_shape).requires_grad_(true));
  const torch::Tensor together = task_losses(task, preds, y, smoothing);
  REQUIRE(together.sizes() == torch::IntArrayRef({3}));
  const torch::Tensor weights = torch::tensor({0.2, 0.3, 0.5}).to(together.dtype());
  (together * weights).sum().backward();
  for (int k = 0; k < 3; ++k) {
    INFO("exit " << k);
    torch::Tensor p = preds[k].detach().clone().requires_grad_(true);
    torch::Tensor alone = task_loss(task, p, y, smoothing);
    (alone * weights[k]).backward();
    CHECK(together[k].item<double>() == Approx(alone.item<double>()).epsilon(1e-6));
    CHECK((preds[k].grad() - p.grad()).abs().max().item<double>() < 1e-7);
  }
}

}  // namespace

TEST_CASE("task losses: regression, K exits at once equal each exit alone") {
  check_matches_one_by_one(Task::regression, {8, 2}, torch::randn({8, 2}), 0.0);
}

TEST_CASE("task losses: classification with label smoothing, K exits at once equal each exit alone") {
  check_matches_one_by_one(Task::classification, {8, 5}, torch::randint(5, {8}, torch::kLong), 0.1);
}

TEST_CASE("task losses: a language model's per-token loss, K exits at once equal each exit alone") {
  check_matches_one_by_one(Task::language_model, {2, 6, 7}, torch::randint(7, {2, 6}, torch::kLong), 0.0);
}

TEST_CASE("task losses: one exit is task_loss itself") {
  const torch::Tensor p = torch::randn({4, 3}), y = torch::randint(3, {4}, torch::kLong);
  CHECK(task_losses(Task::classification, {p}, y)[0].item<double>() ==
        task_loss(Task::classification, p, y).item<double>());
}
