#!/usr/bin/env bash
# A single-node Slurm on this machine, for trying the sbatch scripts and for the test suite.
# Debian's slurm-wlm pieces + munge, started directly (no systemd, no cgroups), as root.
#
#   scripts/slurm/local-cluster.sh start    # ~10 s; prints the line to export SLURM_CONF
#   scripts/slurm/local-cluster.sh env      # prints: export SLURM_CONF=...
#   scripts/slurm/local-cluster.sh status   # exit 0 when it is up
#   scripts/slurm/local-cluster.sh stop     # cancels jobs, stops the daemons it started
#
# Packages (scripts/setup.sh installs them):
#   apt-get install --no-install-recommends munge slurmctld slurmd slurm-client
# Settings (environment): LPA_SLURM_DIR (state, logs, slurm.conf; default /tmp/lpa-slurm),
# LPA_SLURM_PORT (slurmctld's port, slurmd uses the next; default 6817), LPA_SLURM_CPUS (CPUs
# the node advertises so jobs do not queue behind each other on a small machine; default 16).
#
# Known limits of this set-up: no accounting (sacct does not work: use `scontrol show job`);
# ProctrackType=proctrack/linuxproc, TaskPlugin=task/none (no cgroups); time limits and
# --signal are enforced on a ~30 s timer; a requeued job starts again after cred_expire (10 s).
# Exit codes: 0 ok, 1 failed, 3 cannot run here (not root, or packages missing).
set -euo pipefail

DIR=${LPA_SLURM_DIR:-/tmp/lpa-slurm}
PORT=${LPA_SLURM_PORT:-6817}
CPUS=${LPA_SLURM_CPUS:-16}
CONF=$DIR/slurm.conf
HOST=$(hostname -s)
# Jobs reach rank 0 by the node's name (SLURM_JOB_NODELIST): it must resolve.
getent hosts "$HOST" >/dev/null 2>&1 || HOST=localhost

die() { echo "local-cluster: $*" >&2; exit 1; }
cannot() { echo "local-cluster: cannot run here: $*" >&2; exit 3; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

node_state() { SLURM_CONF=$CONF sinfo -h -n "$HOST" -o %T 2>/dev/null | head -n1; }

is_up() {
  alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid" || return 1
  case "$(node_state)" in idle*|mixed*|alloc*|allocated*|completing*) return 0 ;; *) return 1 ;; esac
}

check_can_run() {
  [ "$(id -u)" -eq 0 ] || cannot "must run as root (the daemons run as root here)"
  local missing=()
  for b in munged slurmctld slurmd sbatch scontrol sinfo; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing+=("$b")
  done
  [ "${#missing[@]}" -eq 0 ] || cannot "missing ${missing[*]} (apt-get install --no-install-recommends munge slurmctld slurmd slurm-client)"
}

start_munge() {
  # Reuse a munged that already answers (a system one); otherwise start ours as user munge.
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid 9>&-
  echo started >"$DIR/munged.ours"
  for _ in $(seq 50); do
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "munged did not answer (see /var/log/munge/munged.log)"
}

write_conf() {
  cat >"$CONF" <<CONF
# Written by scripts/slurm/local-cluster.sh: one node, no accounting, no cgroups.
ClusterName=lpalocal
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=cred_expire=10
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
# Look at pending (e.g. requeued) jobs every few seconds, not the default minute.
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
  check_can_run
  if is_up; then echo "local-cluster: already up"; echo "export SLURM_CONF=$CONF"; return 0; fi
  stop_daemons quiet
  mkdir -p "$DIR/state" "$DIR/spool"
  rm -f "$DIR/munged.ours"
  start_munge
  write_conf
  export SLURM_CONF=$CONF
  # -c: forget jobs of an earlier cluster in this folder.
  # 9>&-: the daemons must not inherit (and keep) the start/stop lock.
  slurmctld -c -f "$CONF" 9>&- || die "slurmctld did not start (see $DIR/slurmctld.log)"
  slurmd -c -f "$CONF" -N "$HOST" 9>&- || die "slurmd did not start (see $DIR/slurmd.log)"
  for _ in $(seq 300); do
    if is_up; then
      echo "local-cluster: up ($HOST, $CPUS CPUs advertised, state in $DIR)"
      echo "export SLURM_CONF=$CONF"
      return 0
    fi
    # A node left down/drained by an earlier run comes back on request.
    case "$(node_state)" in down*|drain*) scontrol update nodename="$HOST" state=resume 2>/dev/null || true ;; esac
    sleep 0.1
  done
  die "the node did not become idle in 30 s: $(node_state) (see $DIR/slurmctld.log, $DIR/slurmd.log)"
}

stop_pidfile() {
  local f=$1
  alive "$f" || { rm -f "$f"; return 0; }
  local pid; pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || { rm -f "$f"; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

stop_daemons() {
  if alive "$DIR/slurmctld.pid"; then
    SLURM_CONF=$CONF scancel --quiet --full --state=PENDING,RUNNING,SUSPENDED --user=root 2>/dev/null || true
  fi
  stop_pidfile "$DIR/slurmd.pid"
  stop_pidfile "$DIR/slurmctld.pid"
  if [ -f "$DIR/munged.ours" ]; then
    stop_pidfile /run/munge/munged.pid
    rm -f "$DIR/munged.ours"
  fi
  [ "${1:-}" = quiet ] || echo "local-cluster: stopped"
}

# One start or stop at a time (parallel tests share the cluster).
lock() { mkdir -p "$(dirname "$DIR")"; exec 9>"$DIR.lock"; flock -w 120 9 || die "another start/stop holds $DIR.lock"; }

case "${1:-}" in
  start) lock; start ;;
  stop) lock; stop_daemons ;;
  status) if is_up; then echo "local-cluster: up ($(node_state))"; else echo "local-cluster: down"; exit 1; fi ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
