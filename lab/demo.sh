#!/usr/bin/env bash
# `make demo`: start an emulated Exchange organisation (two Mailbox servers, one Edge), audit it (drift),
# harden it, audit again (clean), show the reports, stop the lab. Runs with the virtual environment
# and the installed collection the Makefile prepared (ANSIBLE_COLLECTIONS_PATH, PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
demo_dir="${DEMO_DIR:-$PWD/.tmp/demo}"
inventory="$demo_dir/inventory"
stop_lab() { ansible-playbook -i lab/controller.yml lab/stop.yml -e "lab_dir=$demo_dir" >/dev/null || true; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$demo_dir"
step "Starting an Exchange emulator lab: EX01 and EX02 (Mailbox), EDGE01 (EdgeSync-subscribed Edge)"
ansible-playbook -i lab/controller.yml lab/start.yml -e "lab_dir=$demo_dir"
trap stop_lab EXIT

step "Audit before hardening (check mode: nothing can change)"
ansible-playbook -i "$inventory" mailhygiene.exchange.audit -e @lab/demo_vars.yml \
  -e "exchange_audit_report_dir=$demo_dir/reports/before"
cat "$demo_dir/reports/before/fleet.md"

step "Harden (the backscatter_baseline role, profile rfc)"
ansible-playbook -i "$inventory" mailhygiene.exchange.harden -e @lab/demo_vars.yml

step "Audit after hardening"
ansible-playbook -i "$inventory" mailhygiene.exchange.audit -e @lab/demo_vars.yml \
  -e "exchange_audit_report_dir=$demo_dir/reports/after" -e exchange_audit_fail_on_drift=true
cat "$demo_dir/reports/after/fleet.md"

step "Commands the emulated servers received that changed something"
exchange-emulator audit --state "$demo_dir/state" --mutating

step "Done"
echo "Reports: $demo_dir/reports/before and $demo_dir/reports/after (fleet.md, fleet.json, junit.xml, one file per server)"
