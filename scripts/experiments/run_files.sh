# shellcheck shell=bash
# Sourced by scripts/experiments/*.sh: reading a finished run's CSVs (lpa writes CRLF rows).

column() { # run dir, csv column name -> values, one per depth, of the test split
  awk -F, -v want="$2" '{ sub(/\r$/, "") } NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i; next }
                        $1 == "test" { print $c }' "$1/per_depth.csv"
}

training_seconds() { # run dir -> its elapsed_s at the last logged step, rounded
  awk -F, '{ sub(/\r$/, "") } NR == 1 { for (i = 1; i <= NF; i++) if ($i == "elapsed_s") c = i; next }
           { v = $c } END { printf "%.0f", v }' "$1/train_log.csv"
}
