#!/usr/bin/env bash
# The published form of the `oura` command works: package it and its workspace dependencies,
# install the unpacked package offline and `--locked` (the dependencies of its packaged
# Cargo.lock, the workspace crates from their own packages, never from the checkout) into a
# temporary root, and run the installed binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
target="${CARGO_TARGET_DIR:-target}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo package -p oura-api-sys -p oura-ring -p oura-emulator -p oura-sync -p oura-ring-cli --locked --allow-dirty --no-verify
for crate in oura-api-sys oura-ring oura-emulator oura-sync oura-ring-cli; do
  tar -xzf "$target/package/$crate-$version.crate" -C "$work"
done

patches=()
for crate in oura-api-sys oura-ring oura-emulator oura-sync; do
  patches+=(--config "patch.crates-io.$crate.path=\"$work/$crate-$version\"")
done
# --debug and a kept target directory: this proves the package installs, not how fast it runs.
cargo install --path "$work/oura-ring-cli-$version" --offline --locked --debug \
  --root "$work/root" --target-dir "$target/install-check" "${patches[@]}"

oura="$work/root/bin/oura"
"$oura" --version | tee "$work/version"
grep -q "^oura ${version%%+*} (Oura API .*, OpenAPI spec: ${version##*+oura.})$" "$work/version"
"$oura" --quiet --emulator export --out "$work/export"
test -s "$work/export/daily_sleep.ndjson"
echo "installed oura runs: $(ls "$work/export" | wc -l) files exported"
