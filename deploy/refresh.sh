#!/usr/bin/env bash
# The scheduled job: pull the lists, run, then write the fix report of every list.
# Exits with the run's code, so that cron, systemd and CI see what happened:
# 0 done, 1 fatal, 2 bad input, 3 partial (the next run resumes), 4 overlapping run.
set -u
cd "$(dirname "$0")/.."
make --quiet install || exit 1
.venv/bin/python -m pipeline run --pull --no-progress
code=$?
if [ "$code" -eq 0 ] || [ "$code" -eq 3 ]; then
  for list in data/raw/*.md; do
    .venv/bin/python -m pipeline fix "$list" -q || exit 1
  done
fi
exit "$code"
