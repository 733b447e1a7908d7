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
# The reports the lab's servers sent since the last call (NDRs, delivery reports, automatic replies), from
# the lab's built-in capture sink.
shown=0
show_outbound() {
  local lines count=-1 now
  # Reports leave after the message was accepted: wait until the sink has been quiet for a second.
  for _ in $(seq 10); do
    now=$(exchange-emulator outbound --state "$demo_dir/state" | wc -l)
    [ "$now" = "$count" ] && break
    count=$now
    sleep 1
  done
  lines=$(exchange-emulator outbound --state "$demo_dir/state" | tail -n "+$((shown + 1))")
  if [ -n "$lines" ]; then
    echo "Reports the organisation sent (the lab's sink):"
    echo "$lines"
    shown=$((shown + $(echo "$lines" | wc -l)))
  else
    echo "Reports the organisation sent (the lab's sink): none"
  fi
}

rm -rf "$demo_dir"
step "Starting an Exchange emulator lab: EX01 and EX02 (Mailbox), EDGE01 (EdgeSync-subscribed Edge)"
ansible-playbook -i lab/controller.yml lab/start.yml -e "lab_dir=$demo_dir"
trap stop_lab EXIT

step "Audit before hardening (check mode: nothing can change)"
ansible-playbook -i "$inventory" mailhygiene.exchange.audit -e @lab/demo_vars.yml \
  -e "exchange_audit_report_dir=$demo_dir/reports/before"
cat "$demo_dir/reports/before/fleet.md"

step "Forged mail before hardening: what EDGE01's organisation sends back (smtp_probe, then the lab's sink)"
ansible-playbook -i "$inventory" lab/demo_probe.yml
show_outbound

step "Harden (the backscatter_baseline role, profile rfc)"
ansible-playbook -i "$inventory" mailhygiene.exchange.harden -e @lab/demo_vars.yml

step "Audit after hardening"
ansible-playbook -i "$inventory" mailhygiene.exchange.audit -e @lab/demo_vars.yml \
  -e "exchange_audit_report_dir=$demo_dir/reports/after" -e exchange_audit_fail_on_drift=true
cat "$demo_dir/reports/after/fleet.md"

step "Forged mail after hardening: refused at RCPT TO, nothing sent back; the partner still gets its NDR"
ansible-playbook -i "$inventory" lab/demo_probe.yml
show_outbound

step "Commands the emulated servers received that changed something"
exchange-emulator audit --state "$demo_dir/state" --mutating

step "Done"
echo "Reports: $demo_dir/reports/before and $demo_dir/reports/after (fleet.md, fleet.json, junit.xml, one file per server)"
