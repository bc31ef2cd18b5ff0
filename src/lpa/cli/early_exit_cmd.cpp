// `lpa eval --run DIR --early-exit confidence|entropy --target-accuracy A | --budget D`:
// calibrates one exit threshold on the validation split, reports the test split at it, and
// writes the whole accuracy-vs-compute curve of both splits to <run>/early_exit.csv.
#include <cstdio>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/load_run.h"
#include "lpa/errors.h"
#include "lpa/eval/early_exit.h"
#include "lpa/io/csv_writer.h"

namespace lpa::cli {

namespace {

std::string summary(const ExitPoint& p, double full_mflops, int64_t full_depth) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "accuracy %.4f, average depth %.2f of %lld, %.4g MFLOPs/sample (%.1f%% fewer than full depth)",
                p.accuracy, p.avg_depth, static_cast<long long>(full_depth), p.avg_mflops,
                100.0 * (1.0 - p.avg_mflops / full_mflops));
  return buf;
}

}  // namespace

int run_early_exit(const EvalOptions& o) {
  const ExitCriterion criterion = parse_exit_criterion(o.early_exit);
  const bool by_accuracy = o.target_accuracy >= 0, by_budget = o.budget >= 0;
  if (by_accuracy == by_budget)
    throw UserError("eval --early-exit: give exactly one of --target-accuracy A (0..1) or --budget D (average depth)");
  if (by_accuracy && !(o.target_accuracy > 0 && o.target_accuracy <= 1))
    throw UserError("eval: --target-accuracy is a fraction in (0, 1], got " + std::to_string(o.target_accuracy));
  if (o.split != "test" || o.depths != "all")
    throw UserError("eval --early-exit: calibrates on val and reports test; --split and --depths do not apply");
  LoadedRun r = load_trained_run(o.run_dir, o.device);
  const int64_t full = r.model->depth();
  if (by_budget && !(o.budget >= 1 && o.budget <= full))
    throw UserError("eval: --budget is an average depth in 1.." + std::to_string(full) + ", got " +
                    std::to_string(o.budget));
  lpa::EvalOptions eo;
  eo.batch_size = o.batch_size > 0 ? o.batch_size : r.cfg.eval.batch_size;
  eo.device = r.device;
  // What a sample stopping at depth l really costs: the heads and sureness of every exit tried.
  const std::vector<double> mflops = exit_mflops(*r.model, full, r.data->spec().output_dim);
  const double full_mflops = r.model->flops_per_sample(full) / 1e6;  // plain full depth, no exits

  const ExitScores val = collect_exit_scores(*r.model, *r.data, Split::val, criterion, eo);
  const ExitScores test = collect_exit_scores(*r.model, *r.data, Split::test, criterion, eo);
  const std::vector<double> thresholds = candidate_thresholds(val);
  std::vector<ExitPoint> val_points, test_points;
  for (double t : thresholds) {
    val_points.push_back(apply_exit_threshold(val, t, criterion, mflops));
    test_points.push_back(apply_exit_threshold(test, t, criterion, mflops));
  }
  bool reached = true;
  const size_t chosen = by_accuracy ? calibrate_for_accuracy(val_points, o.target_accuracy, &reached)
                                    : calibrate_for_budget(val_points, o.budget);

  std::vector<std::string> header = {"split", "threshold", "accuracy", "avg_depth", "avg_mflops"};
  for (int64_t l = 1; l <= full; ++l) header.push_back("exit_d" + std::to_string(l));
  header.emplace_back("calibrated");
  const std::string path = r.dir.file("early_exit.csv");
  {
    CsvWriter csv(path, header);
    auto write = [&](const std::string& split, const std::vector<ExitPoint>& points) {
      for (size_t i = 0; i < points.size(); ++i) {
        const ExitPoint& p = points[i];
        std::vector<std::string> row = {split, csv_number(p.threshold), csv_number(p.accuracy),
                                        csv_number(p.avg_depth), csv_number(p.avg_mflops)};
        for (double f : p.fraction) row.push_back(csv_number(f));
        row.emplace_back(i == chosen ? "1" : "0");
        csv.row(row);
      }
    };
    write("val", val_points);
    write("test", test_points);
  }

  const ExitPoint& v = val_points[chosen];
  const ExitPoint& t = test_points[chosen];
  const double full_test_acc = full_depth_accuracy(test), full_val_acc = full_depth_accuracy(val);
  char buf[160];
  std::cout << "early exit by " << to_string(criterion) << " ("
            << (criterion == ExitCriterion::confidence ? "exit when max softmax probability >= threshold"
                                                       : "exit when entropy (nats) <= threshold")
            << ")\n";
  if (by_accuracy) {
    std::snprintf(buf, sizeof buf, "calibrated on val for accuracy >= %.4f: threshold %.6g", o.target_accuracy, v.threshold);
    std::cout << buf << "\n";
    if (!reached) {
      std::snprintf(buf, sizeof buf, "warning: no threshold reaches %.4f on val (full depth: %.4f); using the most accurate",
                    o.target_accuracy, full_val_acc);
      std::cout << buf << "\n";
    }
  } else {
    std::snprintf(buf, sizeof buf, "calibrated on val for average depth <= %.3g: threshold %.6g", o.budget, v.threshold);
    std::cout << buf << "\n";
  }
  std::cout << "  val:  " << summary(v, full_mflops, full) << "\n";
  std::cout << "  test: " << summary(t, full_mflops, full) << "\n";
  std::snprintf(buf, sizeof buf, "  test at full depth %lld: accuracy %.4f, %.4g MFLOPs/sample", static_cast<long long>(full),
                full_test_acc, full_mflops);
  std::cout << buf << "\n  test exits per depth:";
  for (int64_t l = 0; l < full; ++l) {
    std::snprintf(buf, sizeof buf, " d%lld %.1f%%", static_cast<long long>(l) + 1, 100.0 * t.fraction[l]);
    std::cout << buf;
  }
  std::cout << "\n" << val_points.size() << " thresholds (val and test curves) written to " << path << "\n";
  return 0;
}

}  // namespace lpa::cli
