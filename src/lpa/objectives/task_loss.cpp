#include "lpa/objectives/task_loss.h"

namespace lpa {

torch::Tensor task_loss(Task task, const torch::Tensor& pred, const torch::Tensor& y,
                        double label_smoothing) {
  namespace F = torch::nn::functional;
  switch (task) {
    case Task::regression:
      return F::mse_loss(pred, y.view_as(pred));
    case Task::classification:
      return F::cross_entropy(pred, y, F::CrossEntropyFuncOptions().label_smoothing(label_smoothing));
    case Task::language_model:
      return F::cross_entropy(pred.reshape({-1, pred.size(-1)}), y.reshape({-1}),
                              F::CrossEntropyFuncOptions().label_smoothing(label_smoothing));
  }
  return {};
}

torch::Tensor task_losses(Task task, const std::vector<torch::Tensor>& preds, const torch::Tensor& y,
                          double label_smoothing) {
  namespace F = torch::nn::functional;
  if (preds.size() == 1) return task_loss(task, preds[0], y, label_smoothing).unsqueeze(0);
  const torch::Tensor p = torch::stack(preds);  // [K, ...]
  const int64_t k = p.size(0);
  const auto per_sample = F::CrossEntropyFuncOptions().label_smoothing(label_smoothing).reduction(torch::kNone);
  switch (task) {
    case Task::regression:
      return (p - y.view_as(preds[0]).unsqueeze(0)).pow(2).reshape({k, -1}).mean(1);
    case Task::classification:
      return F::cross_entropy(p.flatten(0, 1), y.repeat({k}), per_sample).view({k, -1}).mean(1);
    case Task::language_model:
      return F::cross_entropy(p.reshape({-1, p.size(-1)}), y.reshape({-1}).repeat({k}), per_sample)
          .view({k, -1})
          .mean(1);
  }
  return {};
}

}  // namespace lpa
