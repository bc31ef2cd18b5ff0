#!/usr/bin/env python3
"""Writes docs/results.md from the runs scripts/reproduce.sh trained (standard library only).

Every number in the file comes from a run directory under --root: per_depth.csv (test and val
rows), train_log.csv (elapsed_s), config.yaml, export/auto.safetensors.yaml (`lpa export
--depth auto`). Means and sample standard deviations are over the seeds of one arm. Choices
(the variant tables) use validation rows only; test rows are reported, never chosen on.
"""
import argparse
import copy
import csv
import math
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from functools import lru_cache

WORKLOADS = {
    # name: (title, metric, lower is better, separately trained depths as (fraction label, arm))
    "surfaces": ("Residual MLP (16 blocks) on 9 surfaces", "mse", True),
    "fmnist_resnet": ("ResNet-20 (9 blocks) on Fashion-MNIST", "accuracy", False),
    "fmnist_mlp": ("Residual MLP (12 blocks) on Fashion-MNIST", "accuracy", False),
    "sotu_lm": ("Byte-level Transformer LM (6 blocks) on SOTU", "bpb", True),
    # The cluster sweeps (configs/sweeps/reproduce/cifar*.yaml): tabled when their runs are here.
    "cifar10_resnet": ("ResNet-56 (27 blocks) on CIFAR-10", "accuracy", False),
    "cifar100_resnet": ("ResNet-56 (27 blocks) on CIFAR-100", "accuracy", False),
}


def read_config(path):
    with open(path) as f:
        return parse_config(f)


def parse_config(lines):
    """The two-level mapping lpa writes (section:, then two-space-indented key: value)."""
    cfg, section = {}, None
    for line in lines:
        line = line.split(" #")[0].rstrip("\n")
        if not line.strip():
            continue
        if not line.startswith(" "):
            section = line.rstrip(":").strip()
            continue
        m = re.match(r"\s+([A-Za-z0-9_]+):\s*(.*)$", line)
        if m and section:
            cfg[section + "." + m.group(1)] = m.group(2).strip().strip('"')
    return cfg


# The keys that make a recipe: what a run computes, not how long (quick budgets), where, or on
# which function.
RECIPE_PREFIXES = ("model.", "loss.")
RECIPE_KEYS = {"train.optimizer", "train.lr", "train.momentum", "train.nesterov", "train.weight_decay",
               "train.schedule", "train.min_lr", "train.grad_clip", "train.precision"}


@lru_cache(maxsize=None)
def computing_keys(lpa_bin):
    """The keys that change what a run computes or how long it trains (`lpa config --roles`): one
    table for every workload."""
    roles = subprocess.run([lpa_bin, "config", "--roles"], check=True, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True).stdout
    return frozenset(f[0] for f in (line.split() for line in roles.splitlines())
                     if len(f) == 2 and f[1] in ("computes", "length"))


def shipped_recipe(lpa_bin, name, arm="lpa"):
    """The config the workload's sweep file gives its `arm` today (configs/sweeps/reproduce/<name>.yaml
    over its base config), only the keys that change what a run computes (`lpa config --roles`), or
    None where the sweep or lpa cannot say."""
    sweep = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "configs", "sweeps", "reproduce",
                         name + ".yaml")

    def lpa_says(*args):
        return subprocess.run([lpa_bin, *args], check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, cwd=os.path.join(os.path.dirname(sweep), "..", "..", "..")).stdout

    try:
        listing = lpa_says("sweep", sweep, "--list")
        base = re.search(r"\(base ([^)]+)\)", listing).group(1)
        computes = computing_keys(lpa_bin)
        for line in listing.splitlines():
            fields = line.split("\t")
            if len(fields) == 3 and f"experiment.name={arm}" in fields[2].split():
                cmd = ["config", "--config", base]
                for kv in fields[2].split():
                    cmd += ["--set", kv]
                cfg = parse_config(lpa_says(*cmd).splitlines())
                return base, {k: v for k, v in cfg.items() if k in computes}
    except (OSError, subprocess.CalledProcessError, AttributeError):
        pass
    return None


# The keys each task of a sweep sets for itself: its arm's label, its seed, its surface.
TASK_KEYS = {"experiment.name", "train.seed", "data.function"}


def computes_shipped(run, shipped):
    """Whether the run's config is the shipped one in every key that changes what it computes."""
    return all(run.cfg.get(k) == v for k, v in shipped.items() if k not in TASK_KEYS)


def adopt_shipped(runs, variant_runs, shipped):
    """Where a workload's `lpa` runs are a former default and a variant arm of the same workload
    (`variant_runs`: folder -> its runs) trained exactly the recipe shipped now (a variant that won
    and became the default), that arm's runs stand for `lpa`. Returns (runs, (folder, arm) adopted
    or None, the former lpa runs)."""
    lpa = [r for r in runs if r.arm == "lpa"]
    if not shipped or not lpa or not recipe_differences(lpa, shipped):
        return runs, None, []
    for folder, folder_runs in variant_runs.items():
        by_arm = defaultdict(list)
        for r in folder_runs:
            by_arm[r.arm].append(r)
        for arm, arm_runs in sorted(by_arm.items()):
            if all(computes_shipped(r, shipped) for r in arm_runs) and \
                    {r.seed for r in arm_runs} >= {r.seed for r in lpa}:
                adopted = []
                for r in arm_runs:
                    r = copy.copy(r)
                    r.arm = "lpa"
                    adopted.append(r)
                return [r for r in runs if r.arm != "lpa"] + adopted, (folder, arm), lpa
    return runs, None, []


def recipe_differences(runs, shipped):
    """One "`key` <the runs' values> in them, <shipped value> now" per recipe key where some run
    differs from `shipped`."""
    out = []
    for key in sorted(shipped):
        if not (key.startswith(RECIPE_PREFIXES) or key in RECIPE_KEYS):
            continue
        theirs = sorted({r.cfg.get(key, "") for r in runs})
        if theirs != [shipped[key]]:
            out.append(f"`{key}` {' / '.join(theirs)} in them, {shipped[key]} now")
    return out


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Run:
    def __init__(self, path):
        self.path = path
        self.cfg = read_config(os.path.join(path, "config.yaml"))
        self.arm = self.cfg.get("experiment.name", "?")
        self.seed = int(self.cfg.get("train.seed", "0"))
        # config.yaml holds every key: data.function means something for surfaces only.
        self.function = self.cfg.get("data.function", "") if self.cfg.get("data.type") == "surface" else ""
        self.rows = read_rows(os.path.join(path, "per_depth.csv"))
        log = read_rows(os.path.join(path, "train_log.csv"))
        self.elapsed = float(log[-1]["elapsed_s"]) if log else float("nan")
        self.auto = None
        auto = os.path.join(path, "export", "auto.safetensors.yaml")
        if os.path.exists(auto):
            self.auto = read_flat_yaml(auto)

    def metric(self, split, metric):
        """{depth: value} of one split."""
        return {int(r["depth"]): float(r[metric]) for r in self.rows if r["split"] == split and r.get(metric)}

    def depth(self):
        return max(int(r["depth"]) for r in self.rows)


def read_flat_yaml(path):
    """Scalar keys of an export sidecar at any indentation, the first of each name kept (the
    top-level `depth` comes before `depth_choice`'s own)."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*([A-Za-z0-9_]+):\s*(\S.*)$", line.rstrip("\n"))
            if m and m.group(1) not in out:
                out[m.group(1)] = m.group(2).strip().strip('"')
    return out


def load_runs(folder):
    runs = []
    if not os.path.isdir(folder):
        return runs
    for name in sorted(os.listdir(folder)):
        p = os.path.join(folder, name)
        if os.path.isfile(os.path.join(p, "per_depth.csv")) and os.path.isfile(os.path.join(p, "config.yaml")):
            runs.append(Run(p))
    return runs


def group(runs, key=lambda r: (r.function, r.arm)):
    g = defaultdict(list)
    for r in runs:
        g[key(r)].append(r)
    return g


def mean_std(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return float("nan"), float("nan")
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def fmt(value, metric):
    if value is None or math.isnan(value):
        return "–"
    if metric == "mse":
        return f"{value:.3g}"
    if metric == "accuracy":
        return f"{100 * value:.2f}"
    return f"{value:.4f}"


def pm(values, metric):
    m, s = mean_std(values)
    if math.isnan(m):
        return "–"
    return f"{fmt(m, metric)} ± {fmt(s, metric)}"


def rises(curve, lower_is_better, threshold=0.0):
    """Consecutive depth pairs where the error gets worse (by more than `threshold`, relative
    for losses, in accuracy points for accuracy)."""
    depths = sorted(curve)
    n = 0
    for a, b in zip(depths, depths[1:]):
        if lower_is_better:
            if curve[b] > curve[a] * (1 + threshold):
                n += 1
        elif curve[a] - curve[b] > threshold:
            n += 1
    return n


def geomean(values):
    values = [v for v in values if v and v > 0 and not math.isnan(v)]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def at(runs, split, metric, depth):
    return [r.metric(split, metric).get(depth) for r in runs]


def separate_arm(arms, depth):
    for name in arms:
        if name == f"e2e_d{depth}":
            return name
    return None


def workload_table(name, runs, lines, shipped=None, adopted=None):
    title, metric, lower = WORKLOADS[name]
    by = group(runs)
    functions = sorted({k[0] for k in by})
    arms = sorted({k[1] for k in by})
    if "lpa" not in arms or "e2e" not in arms:
        lines.append(f"_{name}: the lpa and e2e arms are not both there yet._\n")
        return {}
    n = by[(functions[0], "lpa")][0].depth()
    quarter, half = max(1, n // 4), max(1, n // 2)
    seeds = sorted({r.seed for r in runs})
    lines.append(f"## {title}\n")
    lines.append(f"Runs: `{os.path.relpath(os.path.dirname(runs[0].path))}`, seeds {seeds}, test split "
                 f"({metric}{', lower is better' if lower else ', higher is better'}"
                 f"{'; accuracy in %' if metric == 'accuracy' else ''}). N = {n}; N/4 = {quarter}, N/2 = {half}. "
                 "`alone` = an E2E network of that depth trained by itself with the same recipe and steps; "
                 "`E2E exit` = the E2E network's own head at that depth (never trained); "
                 "`probes` = heads trained afterwards on the frozen E2E backbone.\n")
    summary = {}
    header = ["function" if functions[0] else "", "LPA depth N", "E2E depth N",
              "LPA / E2E" if lower else "LPA − E2E (points)", "rises (>2%)" if lower else "rises (>0.1 pt)",
              f"LPA d{quarter}", f"alone d{quarter}", f"LPA d{half}", f"alone d{half}", f"E2E exit d{half}",
              f"probes d{half}", "time LPA / E2E", "auto depth", "auto params"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    ratios, rise_total, lpa_runs, means, mean_rises = [], 0, 0, {}, 0
    for fn in functions:
        lpa, e2e = by.get((fn, "lpa"), []), by.get((fn, "e2e"), [])
        if not lpa or not e2e:
            continue
        probes = by.get((fn, "e2e_probes"), [])
        lpa_n, e2e_n = mean_std(at(lpa, "test", metric, n))[0], mean_std(at(e2e, "test", metric, n))[0]
        if lower:
            ratio = lpa_n / e2e_n
            ratios.append(ratio)
            gap = f"{ratio:.2f}×"
        else:
            ratio = 100 * (lpa_n - e2e_n)
            ratios.append(ratio)
            gap = f"{ratio:+.2f}"
        threshold = 0.02 if lower else 0.001
        rise = [rises(r.metric("test", metric), lower, threshold) for r in lpa]
        rise_total, lpa_runs = rise_total + sum(rise), lpa_runs + len(rise)
        # The same count on the function's curve of means over seeds: a rise here is one the seeds agree on.
        mean_curve = {d: mean_std(at(lpa, "test", metric, d))[0] for d in lpa[0].metric("test", metric)}
        mean_rises += rises(mean_curve, lower, threshold)
        row = [fn or "—", pm(at(lpa, "test", metric, n), metric), pm(at(e2e, "test", metric, n), metric), gap,
               f"{sum(rise)} in {len(rise)} runs"]
        means[fn] = {("lpa", n): lpa_n}
        for d in (quarter, half):
            alone = by.get((fn, separate_arm(arms, d)), [])
            row += [pm(at(lpa, "test", metric, d), metric), pm(at(alone, "test", metric, d), metric)]
            means[fn][("lpa", d)] = mean_std(at(lpa, "test", metric, d))[0]
            if alone:
                means[fn][("alone", d)] = mean_std(at(alone, "test", metric, d))[0]
        row += [pm(at(e2e, "test", metric, half), metric), pm(at(probes, "test", metric, half), metric)]
        t = mean_std([r.elapsed for r in lpa])[0] / mean_std([r.elapsed for r in e2e])[0]
        row.append(f"{t:.2f}×")
        autos = [r.auto for r in lpa if r.auto]
        if autos:
            d = mean_std([float(a.get("depth", "nan")) for a in autos])[0]
            frac = mean_std([float(a["params"]) / float(a["params_full"]) for a in autos if "params" in a])[0]
            row += [f"{d:.1f}", f"{100 * frac:.0f}%"]
        else:
            row += ["–", "–"]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    if lower and len(ratios) > 1:
        lines.append(f"Geometric mean over {len(ratios)} functions of LPA / E2E at depth N: **{geomean(ratios):.2f}×**.\n")
    if adopted:
        folder, arm, former = adopted
        lines.append(f"The `lpa` rows are the runs of the arm `{arm}` in `{folder}`: the recipe shipped now, "
                     f"which that variant sweep chose. This folder's own `lpa` runs are the former default ("
                     + "; ".join(recipe_differences(former, shipped[1])) + "), the row `former default` of "
                     "the variant tables below.\n")
    # A default changed after these runs were trained: the table must not pass for the new one's.
    if shipped:
        differs = recipe_differences([r for r in runs if r.arm == "lpa"], shipped[1])
        if differs:
            lines.append(f"**These `lpa` runs are not the recipe shipped now** ({shipped[0]} as "
                         f"`configs/sweeps/reproduce/{name}.yaml` resolves it): " + "; ".join(differs) + ".\n")
    # What the targets read: the depth-N gap per function (ratio or points), the test rises, and
    # each function's test means of LPA at depths N/4, N/2, N and of the networks trained alone.
    summary.update(ratios=ratios, rises=rise_total, lpa_runs=lpa_runs, means=means,
                   mean_rises=mean_rises, depths=(quarter, half, n))
    return summary


def variants_table(name, folder, runs, e2e_runs, lines):
    title, metric, lower = WORKLOADS[name]
    by = group(runs)
    functions = sorted({k[0] for k in by})
    arms = sorted({k[1] for k in by})
    e2e = group(e2e_runs)
    n = runs[0].depth()
    half = max(1, n // 2)
    lines.append(f"### Choosing the default: {title}, `{folder}`, validation split\n")
    lines.append("Each LPA variant (docs/method.md) over the same seeds, and the shipped recipe (the "
                 f"`lpa` arm of `{name}`) for reference; the default is chosen on these validation numbers only.\n")
    quarter = max(1, n // 4)
    # The networks trained alone at N/4 and N/2 (the workload's e2e_d<k> arms): the alternative
    # a shallow exit must match, so each variant's shallow exits are set against them too.
    alone = {k: f"e2e_d{k}" for k in (quarter, half)}

    def table_header(split):
        header = ["variant", f"{split} depth N vs E2E ({'geo-mean ratio' if lower else 'points'})",
                  f"rises > 2% ({split})" if lower else f"rises > 0.1 pt ({split})", f"{split} depth {half} vs E2E depth N",
                  f"{split} depth {quarter} vs alone", f"{split} depth {half} vs alone", f"FLOPs d{quarter} vs alone"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))

    table_header("val")
    best = None
    shipped, e2e_shipped = "lpa (shipped)", "e2e (shipped)"

    def runs_of(arm, fn):
        if arm in (shipped, e2e_shipped):
            return e2e.get((fn, arm.split()[0]), [])
        return by.get((fn, arm), [])

    def depth_n_mean(arm, fn, split="val"):
        return mean_std(at(runs_of(arm, fn), split, metric, n))[0]

    def gap(value, ref):
        return value / ref if lower else 100 * (value - ref)

    def summary(gaps):
        return geomean(gaps) if lower else statistics.mean(gaps)

    unit = "×" if lower else ""
    # Arms whose runs train loss.kind e2e are E2E itself at other settings (a learning rate, say):
    # they are rowed against the shipped E2E, and never chosen as the LPA default. The kind, not
    # the name: an LPA arm may be named after loss.e2e_fraction.
    kinds = defaultdict(set)
    for r in runs:
        kinds[r.arm].add(r.cfg.get("loss.kind"))
    e2e_arms = [a for a in arms if kinds[a] == {"e2e"}]
    # Where every arm is within the depth-N bar, depth N no longer separates them: the shallow
    # exits against the networks trained alone do (the other half of the targets).
    bar = next((b for _, kind, b in TARGETS.get(name, []) if kind == "depth_n"), None)
    within_bar = []

    def arm_row(arm, split):
        """The arm's row on `split`, its depth-N gap and its shallow gaps (None where partial)."""
        gaps, halves, rise = [], [], 0
        vs_alone = {k: [] for k in alone}
        # A shallow exit's FLOPs per sample over the network trained alone's: an exit adapter
        # (model.exit_width), say, is not free.
        cost = []
        for fn in functions:
            v = runs_of(arm, fn)
            if not v or not runs_of(e2e_shipped, fn):
                continue
            rn = depth_n_mean(e2e_shipped, fn, split)
            gaps.append(gap(depth_n_mean(arm, fn, split), rn))
            halves.append(gap(mean_std(at(v, split, metric, half))[0], rn))
            rise += sum(rises(r.metric(split, metric), lower, 0.02 if lower else 0.001) for r in v)
            for k, alone_arm in alone.items():
                ref = e2e.get((fn, alone_arm), [])
                if ref:
                    vs_alone[k].append(gap(mean_std(at(v, split, metric, k))[0], mean_std(at(ref, split, metric, k))[0]))
                    if k == quarter:
                        cost.append(mean_std(at(v, split, "mflops_per_sample", k))[0] /
                                    mean_std(at(ref, split, "mflops_per_sample", k))[0])
        if not gaps:
            return None, None, None
        g, h = summary(gaps), summary(halves)
        if arm in e2e_arms:
            return f"| {arm} (E2E) | {g:.2f}{unit} | – | – | – | – | – |", None, None
        # Only where every function has its network trained alone: a partial mean would mislead.
        complete = all(len(vs_alone[k]) == len(gaps) for k in alone)
        shallow = [f"{summary(vs_alone[k]):.2f}{unit}" if len(vs_alone[k]) == len(gaps) else "–"
                   for k in (quarter, half)]
        shallow.append(f"{geomean(cost):.2f}×" if len(cost) == len(gaps) else "–")
        row = f"| {arm} | {g:.2f}{unit} | {rise} | {h:.2f}{unit} | {' | '.join(shallow)} |"
        return row, g, [summary(vs_alone[k]) for k in (quarter, half)] if complete else None

    for arm in [shipped] + arms:
        row, g, both = arm_row(arm, "val")
        if row is None:
            continue
        lines.append(row)
        if g is None:
            continue
        if bar is not None and reaches(g, bar, lower) and both is not None:
            within_bar.append((geomean(both) if lower else -statistics.mean(both), arm))
        score = g if lower else -g
        if best is None or score < best[0]:
            best = (score, arm)
    lines.append("")
    if best:
        lines.append(f"Best depth-N validation metric: **{best[1]}**.\n")
    if best and bar is not None:
        goal = f"{bar}× E2E" if lower else f"{bar:+.1f} points of E2E"
        if within_bar:
            lines.append(f"Best depths {quarter} and {half} against the networks trained alone (validation) among "
                         f"the arms within the depth-N bar ({goal}): **{min(within_bar)[1]}**.\n")
        else:
            lines.append(f"No arm is within the depth-N bar ({goal}) on validation.\n")
    # What the choice would have cost or bought on data it never saw.
    lines.append("The same arms on the test split, reported after the choice and never used for it:\n")
    table_header("test")
    for arm in [shipped] + arms:
        row = arm_row(arm, "test")[0]
        if row is not None:
            lines.append(row)
    lines.append("")
    if best and e2e_arms:
        # Each objective at its own best setting: the E2E arm with the best validation depth N on
        # every function (an arm missing one is not a candidate), against the best LPA arm above.
        def score_of(arm):
            vals = [depth_n_mean(arm, fn) for fn in functions]
            if any(math.isnan(v) for v in vals):
                return float("inf")
            return geomean(vals) if lower else -statistics.mean(vals)
        best_e2e = min([e2e_shipped] + e2e_arms, key=score_of)
        gaps = [gap(depth_n_mean(best[1], fn), depth_n_mean(best_e2e, fn)) for fn in functions]
        gaps = [g for g in gaps if not math.isnan(g)]
        if gaps:
            lines.append(f"Each objective at its best validation setting: **{best[1]}** against E2E's best, "
                         f"**{best_e2e}**, at depth N: {summary(gaps):.2f}{unit or ' points'}.\n")


def reaches(value, bar, lower):
    """Whether `value` is at or beyond `bar` (at most it where lower is better). A mean of
    accuracies (counts over the same images) can sit exactly on a bar: 93.3233 - 93.4233 is -0.1
    point, but -0.10000000000000009 in floating point; a tolerance far below any metric's
    resolution keeps such a value on the bar."""
    tolerance = 1e-9 * max(1.0, abs(bar))
    return value <= bar + tolerance if lower else value >= bar - tolerance


# The bars the project set for the default recipe, per workload: (what, kind, bar). Checked on
# the test split's means over seeds, never used to choose anything.
TARGETS = {
    "surfaces": [("depth N: LPA / E2E, geometric mean over the functions", "depth_n", 1.2),
                 ("rises > 2% between consecutive depths, every function and seed", "rises", 0),
                 ("rises > 2% between consecutive depths of each function's mean over seeds", "mean_rises", 0)],
    "fmnist_resnet": [("depth N: LPA − E2E", "depth_n", -0.1),
                      ("depth N/2 over LPA's own depth N", "half_of_n", 0.98),
                      ("depth N/4: LPA − the network trained alone", "quarter_vs_alone", -1.0),
                      ("depth N/2: LPA − the network trained alone", "half_vs_alone", -1.0)],
    "sotu_lm": [("depth N: LPA / E2E", "depth_n", 1.02)],
}


def targets_section(tabled, lines):
    """Each workload's targets against what its runs measured: met or missed, in one table.
    `tabled`: workload -> the summary workload_table returned for its runs."""
    rows = []
    for name, targets in TARGETS.items():
        tab = tabled.get(name)
        if not tab or not tab["means"]:
            continue
        title, metric, lower = WORKLOADS[name]
        means = tab["means"]
        quarter, half, n = tab["depths"]
        for what, kind, bar in targets:
            if kind == "depth_n":
                value = geomean(tab["ratios"]) if lower else statistics.mean(tab["ratios"])
                shown, met = (f"{value:.3f}×" if lower else f"{value:+.2f} points"), reaches(value, bar, lower)
                goal = f"≤ {bar}×" if lower else f"≥ {bar:+.1f} points"
            elif kind == "rises":
                value = tab["rises"]
                shown, met, goal = f"{value} in {tab['lpa_runs']} runs", value <= bar, "none"
            elif kind == "mean_rises":
                value = tab["mean_rises"]
                shown, met, goal = f"{value} in {len(means)} function{'s' * (len(means) != 1)}", value <= bar, "none"
            elif kind == "half_of_n":
                value = statistics.mean(m[("lpa", half)] / m[("lpa", n)] for m in means.values())
                shown, met, goal = f"{100 * value:.1f}%", reaches(value, bar, False), f"≥ {100 * bar:.0f}%"
            else:
                depth = quarter if kind == "quarter_vs_alone" else half
                if any(("alone", depth) not in m for m in means.values()):
                    continue
                value = statistics.mean(100 * (m[("lpa", depth)] - m[("alone", depth)]) for m in means.values())
                if math.isnan(value):
                    continue
                shown, met, goal = f"{value:+.2f} points", reaches(value, bar, False), f"≥ {bar:+.1f} points"
            what = what.replace("N/4", str(quarter)).replace("N/2", str(half)).replace("depth N", f"depth {n}")
            rows.append(f"| {title} | {what} | {goal} | {shown} | {'met' if met else '**missed**'} |")
    if not rows:
        return
    lines.append("## Targets\n")
    lines.append("The bars set for the default recipe, each against the test means of the tables above "
                 "(a missed bar stays in the table; the variant tables and the passes listed below say "
                 "what was tried).\n")
    lines.append("| workload | target | bar | measured | |")
    lines.append("|---|---|---|---|---|")
    lines.extend(rows)
    lines.append("")


def other_passes(out, lines):
    """The other files this script wrote next to `out` (passes over some workloads, variants, other
    budgets): each one's invocation and its verdict lines, so the main file says what else was
    tried and where its numbers are."""
    folder = os.path.dirname(out) or "."
    me = os.path.basename(out)
    files = sorted(f for f in os.listdir(folder) if re.fullmatch(r"results_.+\.md", f) and f != me)
    entries = []
    for f in files:
        with open(os.path.join(folder, f)) as fh:
            text = fh.read()
        written = re.search(r"Written by `scripts/reproduce\.sh([^`]*)`", text)
        if not written:
            continue
        # Its verdicts, each named by the table it closes: the surfaces' depth-N ratio (test), and
        # the variant a "Choosing the default" table found best (validation).
        verdicts, sweep = [], None
        for line in text.splitlines():
            heading = re.match(r"### Choosing the default: .*`([^`]+)`", line)
            if heading:
                sweep = heading.group(1)
            ratio = re.match(r"Geometric mean over (\d+) functions of LPA / E2E at depth N: \*\*(.+)\*\*", line)
            if ratio:
                verdicts.append(f"depth N {ratio.group(2)} E2E (test, {ratio.group(1)} functions)")
            best = re.match(r"Best depth-N validation metric: \*\*(.+)\*\*", line)
            if best and sweep:
                verdicts.append(f"`{sweep}`: best {best.group(1)}")
            shallow = re.match(r"Best depths .* among the arms within the depth-N bar .*: \*\*(.+)\*\*", line)
            if shallow and sweep:
                verdicts.append(f"shallow exits within the bar: {shallow.group(1)}")
        entry = f"- [{f}]({f}): `scripts/reproduce.sh{written.group(1)}`"
        if verdicts:
            entry += "; " + "; ".join(verdicts)
        entries.append(entry)
    if not entries:
        return
    lines.append("## Other passes\n")
    lines.append("Written by this script from other passes (other budgets, some workloads, the variant "
                 "sweeps); each file's header says which runs, and an older file may measure a recipe "
                 "the configs have since changed.\n")
    lines.extend(entries)
    lines.append("")


def compare(lpa_bin, runs):
    """The runs' differing keys and per-depth metric side by side, as `lpa compare` writes them."""
    if len(runs) < 2:
        return None
    r = subprocess.run([lpa_bin, "compare", *[x.path for x in runs], "--format", "markdown"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print(f"reproduce_tables.py: lpa compare failed: {r.stdout.strip()}", file=sys.stderr)
        return None
    return r.stdout.strip() + "\n"


def figure(lpa_bin, runs, path):
    if not runs:
        return None
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = subprocess.run([lpa_bin, "plot", *[x.path for x in runs], "-o", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print(f"reproduce_tables.py: lpa plot failed: {r.stdout.strip()}", file=sys.stderr)
        return None
    return path


def cost_section(root, lines):
    """Wall time per sweep from <root>/timings.csv (reproduce.sh appends a row per pass; a
    resumed pass adds its own), the workloads' sweeps and the variant sweeps totalled apart.
    A sweep folder copied here from another root keeps its passes' rows, that root in an
    optional `root` column, so one file can table a suite trained in several passes."""
    path = os.path.join(root, "timings.csv")
    if not os.path.isfile(path):
        return
    seconds, tasks, jobs, passes, trained_in, order = {}, {}, {}, {}, {}, []
    with open(path) as f:
        for row in csv.DictReader(f):
            name = row["sweep"]
            if name not in seconds:
                order.append(name)
                seconds[name], passes[name], trained_in[name] = 0, 0, []
            seconds[name] += int(row["seconds"])
            passes[name] += 1
            tasks[name], jobs[name] = row["tasks"], row["jobs"]
            where = row.get("root") or os.path.relpath(root)
            if where not in trained_in[name]:
                trained_in[name].append(where)
    lines.append("## Cost\n")
    lines.append(f"Wall time of each sweep on this machine, from `{path}` (summed over the passes that "
                 "trained it; tasks run `jobs` at a time, one thread each).\n")
    copied = any(w != [os.path.relpath(root)] for w in trained_in.values())
    lines.append("| sweep | tasks | jobs | passes | wall time |" + (" trained in |" if copied else ""))
    lines.append("|---|---|---|---|---|" + ("---|" if copied else ""))
    for name in order:
        where = (" " + ", ".join(f"`{w}`" for w in trained_in[name]) + " |") if copied else ""
        lines.append(f"| {name} | {tasks[name]} | {jobs[name]} | {passes[name]} | {seconds[name] / 60:.1f} min |{where}")
    if copied:
        lines.append("")
        lines.append("A sweep trained in another folder (its `lpa sweep` tasks finished there, then copied "
                     "here, where a pass finds them done and trains nothing) keeps that pass's wall time.")
    main_total = sum(seconds[n] for n in order if n in WORKLOADS)
    variant_total = sum(seconds[n] for n in order if n not in WORKLOADS)
    lines.append("")
    lines.append(f"The workloads' sweeps: **{main_total / 60:.1f} min**" +
                 (f"; the variant sweeps: {variant_total / 60:.1f} min." if variant_total else ".") + "\n")
    elsewhere = [f for f in sorted(os.listdir(root)) if f not in seconds and load_runs(os.path.join(root, f))]
    if elsewhere:
        lines.append("Not in this file (trained by another pass, in another folder, and copied here): " +
                     ", ".join(f"`{f}`" for f in elsewhere) + ".\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", default="runs/reproduce")
    ap.add_argument("--lpa", default="build/lpa")
    ap.add_argument("--out", default="docs/results.md")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--invocation", default=None, help="reproduce.sh's arguments, for the header")
    a = ap.parse_args()
    lines = ["# Results: LPA against the alternatives, over seeds", "",
             "Written by `scripts/reproduce.sh" +
             (a.invocation.rstrip() if a.invocation is not None else (" --quick" if a.quick else "")) +
             "` (`scripts/reproduce_tables.py`); do not edit by hand. "
             + ("**Quick mode**: every run is far shorter than the configs' own budgets, so these "
                "numbers say whether the pipeline works and how the arms order, not what full "
                "training reaches. " if a.quick else "") +
             "Mean ± sample standard deviation over seeds.", ""]
    # results.md / results_quick.md keep figures/ and figures_quick/; any other file (a pass over
    # some workloads, --out) gets its own folder, so it never overwrites their figures.
    stem = os.path.splitext(os.path.basename(a.out))[0]
    figures = "figures" + ("_quick" if a.quick else "") if stem in ("results", "results_quick") else "figures_" + stem
    figures_dir = os.path.join(os.path.dirname(a.out), figures)
    tabled = {}
    for name in WORKLOADS:
        runs = load_runs(os.path.join(a.root, name))
        if not runs:
            continue
        # The sweeps that chose this workload's recipe, each folder read once.
        variant_runs = {folder: load_runs(os.path.join(a.root, folder)) for folder in sorted(os.listdir(a.root))
                        if folder.startswith(name + "_") and folder not in WORKLOADS}
        variant_runs = {folder: v for folder, v in variant_runs.items() if v}
        shipped = shipped_recipe(a.lpa, name)
        runs, adopted, former = adopt_shipped(runs, variant_runs, shipped[1] if shipped else None)
        tabled[name] = workload_table(name, runs, lines, shipped, adopted and adopted + (former,))
        seed0 = [r for r in runs if r.seed == min(x.seed for x in runs) and r.arm in ("lpa", "e2e", "e2e_probes")
                 and r.function in ("", "franke")]
        side = compare(a.lpa, seed0)
        if side:
            lines.append(f"Seed {seed0[0].seed}{', franke' if seed0[0].function else ''}, every depth side by side "
                         f"(`lpa compare --format markdown`, test split):\n")
            lines.append(side)
        fig = figure(a.lpa, seed0, os.path.join(figures_dir, f"{name}_depth.svg"))
        if fig:
            lines.append(f"![{name}: per-depth test metric, seed {seed0[0].seed}]({os.path.relpath(fig, os.path.dirname(a.out))})\n")
        for folder, variants in variant_runs.items():
            for r in former:
                r = copy.copy(r)
                r.arm = "former default"
                variants = variants + [r]
            variants_table(name, folder, variants, runs, lines)
    targets_section(tabled, lines)
    if stem == "results":
        other_passes(a.out, lines)
    cost_section(a.root, lines)
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
