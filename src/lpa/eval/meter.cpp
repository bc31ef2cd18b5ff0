#include "lpa/eval/meter.h"

#include <cmath>
#include <stdexcept>

namespace lpa {
namespace {

// The sums a meter keeps: each batch adds its sums as one double tensor on the batch's device
// (no host read per batch); they come back to the host, once, when the state or the metrics
// are read. Merging across batches, exits and ranks works on the host vector.
class Sums {
 public:
  explicit Sums(size_t n) : host_(n, 0.0) {}
  void add(const torch::Tensor& batch_sums) {
    pending_ = pending_.defined() ? pending_ + batch_sums : batch_sums.to(torch::kDouble);
  }
  std::vector<double>& flushed() const {
    if (pending_.defined()) {
      const torch::Tensor h = pending_.to(torch::kCPU).contiguous();
      const auto a = h.accessor<double, 1>();
      for (size_t i = 0; i < host_.size(); ++i) host_[i] += a[static_cast<int64_t>(i)];
      pending_ = torch::Tensor();
    }
    return host_;
  }

 private:
  mutable std::vector<double> host_;
  mutable torch::Tensor pending_;
};

// state: n, sse, sae, sum_y, sum_y2
class RegressionMeter : public Meter {
 public:
  void add(const torch::Tensor& pred, const torch::Tensor& y) override {
    auto p = pred.detach().to(torch::kDouble);
    auto t = y.detach().to(p.device(), torch::kDouble).view_as(p);
    auto e = p - t;
    sums_.add(torch::stack({torch::full({}, static_cast<double>(t.numel()), p.options()), e.pow(2).sum(),
                            e.abs().sum(), t.sum(), t.pow(2).sum()}));
  }
  Metrics metrics() const override {
    const std::vector<double>& s = sums_.flushed();
    const double n = std::max(1.0, s[0]);
    const double mse = s[1] / n;
    const double sst = s[4] - s[3] * s[3] / n;
    return {{"mse", mse}, {"rmse", std::sqrt(mse)}, {"mae", s[2] / n},
            {"r2", sst > 0 ? 1.0 - s[1] / sst : 0.0}};
  }
  std::vector<double>& state() override { return sums_.flushed(); }

 private:
  Sums sums_{5};
};

// state: n, correct, top5, nll, then kBins x (count, confidence sum, correct sum) for ECE, then
// classes x (true positives, predicted, actual) for F1.
class ClassificationMeter : public Meter {
 public:
  static constexpr int kBins = 15;
  static constexpr size_t kF1 = 4 + 3 * kBins;  // where the per-class counts start
  explicit ClassificationMeter(int64_t classes) : classes_(classes), sums_(kF1 + 3 * static_cast<size_t>(classes)) {}

  void add(const torch::Tensor& logits, const torch::Tensor& y) override {
    auto lg = logits.detach().to(torch::kFloat32);
    auto t = y.detach().to(lg.device(), torch::kLong).view({-1});
    auto logp = torch::log_softmax(lg, 1);
    auto [conf, pred] = logp.exp().max(1);
    auto correct = pred.eq(t).to(torch::kDouble);
    const auto d = correct.options();
    const torch::Tensor top5 = classes_ > 5 ? std::get<1>(lg.topk(5, 1)).eq(t.unsqueeze(1)).any(1).sum().to(torch::kDouble)
                                            : torch::zeros({}, d);
    const torch::Tensor head = torch::stack({torch::full({}, static_cast<double>(t.numel()), d), correct.sum(), top5,
                                             -logp.gather(1, t.unsqueeze(1)).sum().to(torch::kDouble)});
    // Calibration bins: count, confidence sum, correct sum; per class: true positives,
    // predicted, actual -- each interleaved as the state's layout says.
    auto bins = (conf.to(torch::kDouble) * kBins).floor().clamp(0, kBins - 1).to(torch::kLong);
    const torch::Tensor ece = torch::stack({torch::bincount(bins, {}, kBins).to(torch::kDouble),
                                            torch::bincount(bins, conf.to(torch::kDouble), kBins),
                                            torch::bincount(bins, correct, kBins)}, 1).flatten();
    const torch::Tensor f1 = torch::stack({torch::bincount(t, correct, classes_),
                                           torch::bincount(pred, {}, classes_).to(torch::kDouble),
                                           torch::bincount(t, {}, classes_).to(torch::kDouble)}, 1).flatten();
    sums_.add(torch::cat({head, ece, f1}));
  }
  Metrics metrics() const override {
    const std::vector<double>& s = sums_.flushed();
    const double n = std::max(1.0, s[0]);
    double ece = 0;
    for (int i = 0; i < kBins; ++i) {
      const double* bin = &s[4 + 3 * i];
      if (bin[0] > 0) ece += bin[0] / n * std::abs(bin[1] / bin[0] - bin[2] / bin[0]);
    }
    Metrics m = {{"accuracy", s[1] / n}};
    if (classes_ > 5) m.push_back({"top5", s[2] / n});
    m.push_back({"nll", s[3] / n});
    m.push_back({"ece", ece});
    m.push_back({"f1", macro_f1(s)});
    return m;
  }
  std::vector<double>& state() override { return sums_.flushed(); }

 private:
  // Macro F1: the mean over classes of 2 TP / (predicted + actual), over the classes that were
  // predicted or present (a class absent from both has no F1 to average).
  double macro_f1(const std::vector<double>& s) const {
    double sum = 0;
    int64_t seen = 0;
    for (int64_t c = 0; c < classes_; ++c) {
      const double* k = &s[kF1 + 3 * c];
      if (k[1] + k[2] == 0) continue;
      sum += 2 * k[0] / (k[1] + k[2]);
      ++seen;
    }
    return seen ? sum / seen : 0.0;
  }
  int64_t classes_;
  Sums sums_;
};

// state: tokens, nll sum (nats), correct next tokens
class LanguageModelMeter : public Meter {
 public:
  void add(const torch::Tensor& logits, const torch::Tensor& y) override {
    auto lg = logits.detach().reshape({-1, logits.size(-1)}).to(torch::kFloat32);
    auto t = y.detach().reshape({-1}).to(lg.device(), torch::kLong);
    auto nll = torch::nn::functional::cross_entropy(
        lg, t, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    const auto d = lg.options().dtype(torch::kDouble);
    sums_.add(torch::stack({torch::full({}, static_cast<double>(t.numel()), d), nll.to(torch::kDouble),
                            lg.argmax(1).eq(t).sum().to(torch::kDouble)}));
  }
  Metrics metrics() const override {
    const std::vector<double>& s = sums_.flushed();
    const double n = std::max(1.0, s[0]);
    const double loss = s[1] / n;
    // Tokens are bytes, so bits per byte is the per-token loss in bits.
    return {{"loss", loss}, {"perplexity", std::exp(loss)}, {"bpb", loss / std::log(2.0)},
            {"accuracy", s[2] / n}};
  }
  std::vector<double>& state() override { return sums_.flushed(); }

 private:
  Sums sums_{3};
};

}  // namespace

std::unique_ptr<Meter> make_meter(Task task, int64_t num_classes) {
  switch (task) {
    case Task::regression: return std::make_unique<RegressionMeter>();
    case Task::classification: return std::make_unique<ClassificationMeter>(num_classes);
    case Task::language_model: return std::make_unique<LanguageModelMeter>();
  }
  return nullptr;
}

std::vector<std::string> metric_names(Task task, int64_t num_classes) {
  std::vector<std::string> names;
  for (const auto& [k, v] : make_meter(task, num_classes)->metrics()) names.push_back(k);
  return names;
}

PrimaryMetric primary_metric(Task task) {
  switch (task) {
    case Task::regression: return {"mse", true};
    case Task::classification: return {"accuracy", false};
    case Task::language_model: return {"loss", true};
  }
  return {"", true};
}

double metric_value(const Metrics& m, const std::string& name) {
  for (const auto& [k, v] : m)
    if (k == name) return v;
  throw std::logic_error("metric '" + name + "' not reported");
}

}  // namespace lpa
