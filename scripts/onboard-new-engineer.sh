#!/usr/bin/env bash
# Onboard a new engineer: every AWS profile of the team, from the access key CSV the
# administrator handed over (IAM console: "Download .csv file"). Adapt MANIFEST to your repo.
#
# Usage: scripts/onboard-new-engineer.sh PATH/TO/NAME_accessKeys.csv
# Exit status: 0 when every profile works; non-zero when any profile failed its check or the
# manifest or key file is invalid (see the message of `profiles onboard`).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 ACCESS_KEY_CSV" >&2
  exit 2
fi

MANIFEST="${TEAM_MANIFEST:-$(dirname "$0")/../examples/team.toml}"

if ! command -v profiles >/dev/null; then
  # As the README installs it: from a clone of the profiles repository (it is not on PyPI).
  repository="$(cd "$(dirname "$0")/.." && pwd)"
  if [ -f "$repository/pyproject.toml" ] && [ -d "$repository/src/awsprofiles" ]; then
    how="pipx install $repository (or: pip install $repository)"
  else
    how="in a clone of the profiles repository, run 'pipx install .' (or 'pip install .')"
  fi
  echo "error: the 'profiles' command is not installed; $how, then run this again" >&2
  exit 2
fi

# --yes: the team's manifest wins over old values of the same profiles, without a prompt.
# The table shows each profile's check; profiles exits 1 if any failed.
status=0
profiles onboard "$MANIFEST" --from-csv "$1" --yes </dev/null || status=$?
if [ "$status" -ne 0 ]; then
  echo "onboarding failed (exit $status): fix the profiles marked above, then run this again" >&2
  exit "$status"
fi
echo "done: run 'profiles list' to see your profiles, and delete $1 once you have kept it safe" >&2
