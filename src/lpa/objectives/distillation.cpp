#include "lpa/objectives/distillation.h"

namespace lpa {

torch::Tensor distillation_loss(Task task, const torch::Tensor& student, const torch::Tensor& teacher,
                                double temperature) {
  const torch::Tensor target = teacher.detach();
  if (task == Task::regression) return torch::nn::functional::mse_loss(student, target);
  const double t = temperature;
  const auto log_p_student = torch::log_softmax(student / t, -1);
  const auto log_p_teacher = torch::log_softmax(target / t, -1);
  const auto kl = (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum(-1);
  return kl.mean() * (t * t);
}

}  // namespace lpa
