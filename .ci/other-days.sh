#!/usr/bin/env bash
# The tests that start an emulator, run again as if on other days: every emulator whose test does
# not pin `today` itself takes it from OURA_EMULATOR_TODAY (see oura_emulator::EmulatorConfig).
# A month end, a leap day, and a DST change in the machine's zone (TZ), where local midnight
# moves by an hour. A test that still reads the wall clock fails here on some of these days.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for day_zone in "2025-01-31 UTC" "2024-02-29 America/New_York" "2025-03-30 Europe/Berlin"; do
  day=${day_zone% *}
  zone=${day_zone#* }
  printf '\n--> emulator today %s, TZ=%s\n' "$day" "$zone"
  OURA_EMULATOR_TODAY="$day" TZ="$zone" \
    cargo test --locked --all-features -p oura-tests -p oura-emulator -p oura-cli "$@"
done
