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

}  // namespace lpa
