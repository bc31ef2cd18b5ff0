#!/usr/bin/python3
"""The table of scripts/bench/peers.sh from its records, one line per run:
  workload <TAB> objective <TAB> side (lpa|torch) <TAB> pair <TAB> steps_per_s <TAB> params
  peers_report.py RECORDS --threads T --steps S --e2e-heads H [--csv FILE]
Per workload and objective: the median steps/s of each side over the pairs, their ratio, and for
LPA the step time over E2E's on each side (E2E steps/s / LPA steps/s, from the medians).
Prints an aligned table; with --csv also writes it, one row per workload and objective.
Run with Debian's /usr/bin/python3."""
import argparse
import csv
import statistics
import sys

COLUMNS = ["workload", "objective", "threads", "steps", "pairs", "params", "lpa_steps_per_s",
           "torch_steps_per_s", "lpa_vs_torch", "lpa_step_vs_e2e_lpa", "lpa_step_vs_e2e_torch",
           "torch_e2e_heads", "lpa_runs", "torch_runs"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("records")
    p.add_argument("--threads", required=True)
    p.add_argument("--steps", required=True, help="timed steps per run, by workload: w=S,...")
    p.add_argument("--e2e-heads", required=True)
    p.add_argument("--csv")
    a = p.parse_args()
    steps = dict(kv.split("=") for kv in a.steps.split(","))
    runs, params, order = {}, {}, []
    with open(a.records) as f:
        for workload, objective, side, _pair, rate, n in csv.reader(f, delimiter="\t"):
            key = (workload, objective)
            if key not in params:
                order.append(key)
            runs.setdefault(key + (side,), []).append(float(rate))
            params[key] = n
    med = {k: statistics.median(v) for k, v in runs.items()}
    rows = []
    for workload, objective in order:
        lpa, torch = med[(workload, objective, "lpa")], med[(workload, objective, "torch")]
        vs_e2e = {}
        if objective == "lpa" and (workload, "e2e", "lpa") in med:
            vs_e2e = {s: f"{med[(workload, 'e2e', s)] / med[(workload, 'lpa', s)]:.3f}" for s in ("lpa", "torch")}
        rows.append({
            "workload": workload, "objective": objective, "threads": a.threads, "steps": steps[workload],
            "pairs": len(runs[(workload, objective, "lpa")]), "params": params[(workload, objective)],
            "lpa_steps_per_s": f"{lpa:.3f}", "torch_steps_per_s": f"{torch:.3f}",
            "lpa_vs_torch": f"{lpa / torch:.3f}",
            "lpa_step_vs_e2e_lpa": vs_e2e.get("lpa", ""), "lpa_step_vs_e2e_torch": vs_e2e.get("torch", ""),
            "torch_e2e_heads": a.e2e_heads,
            "lpa_runs": " ".join(f"{r:.3f}" for r in runs[(workload, objective, "lpa")]),
            "torch_runs": " ".join(f"{r:.3f}" for r in runs[(workload, objective, "torch")]),
        })
    shown = [("workload", "workload"), ("objective", "objective"), ("params", "params"),
             ("lpa_steps_per_s", "lpa steps/s"), ("torch_steps_per_s", "PyTorch steps/s"),
             ("lpa_vs_torch", "lpa/PyTorch"), ("lpa_step_vs_e2e_lpa", "LPA/E2E step (lpa)"),
             ("lpa_step_vs_e2e_torch", "LPA/E2E step (PyTorch)")]
    table = [[title for _, title in shown]] + [[r[k] for k, _ in shown] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(shown))]
    for line in table:
        print("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths))))
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.DictWriter(f, COLUMNS)
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    sys.exit(main())
