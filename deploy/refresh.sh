#!/usr/bin/env bash
# The scheduled job: pull the lists, run, then write the fix report of every list read.
# It exits non-zero only when a person should look, so that cron, systemd and CI can say so
# (README, "Scheduled refresh"): 0 done, or a first partial run (the next run resumes it);
# 1 fatal (or the environment is not installed); 2 bad input; 3 partial again, the run before
# was partial too; 4 overlapping runs; 5 a list's source failed (its last copy was read); any
# other code is the run's own.
# It installs nothing: `make install` prepares the environment, once and after an update.
set -u
cd "$(dirname "$0")/.."
python=.venv/bin/python
if [ ! -x "$python" ] || [ ! -e .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "error: .venv is missing or older than pyproject.toml; run \`make install\`" >&2
  exit 1
fi
manifest=data/enriched/manifest.json
manifest_key() {
  "$python" -c 'import json, sys
value = json.load(open(sys.argv[1], encoding="utf-8"))[sys.argv[2]]
print("\n".join(v["path"] for v in value) if isinstance(value, list) else value)' \
    "$manifest" "$1" 2>/dev/null
}
previous=$(manifest_key exit_code)
"$python" -m pipeline run --pull --no-progress
code=$?
if [ "$code" -eq 0 ] || [ "$code" -eq 3 ] || [ "$code" -eq 5 ]; then
  manifest_key lists | while IFS= read -r list; do
    "$python" -m pipeline fix "$list" -q || exit 1
  done || exit 1
fi
if [ "$code" -eq 3 ]; then
  if [ "$previous" = 3 ]; then
    echo "partial twice in a row: arXiv keeps stopping the run; run less often or raise --delay" >&2
  else
    echo "partial run: the next run fetches the ids still pending (manifest.json)"
    code=0
  fi
fi
exit "$code"
