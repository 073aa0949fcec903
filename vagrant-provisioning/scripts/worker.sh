#!/usr/bin/env bash
# A worker VM, after common.sh: join the cluster with the command the control plane left in
# the synced folder. Vagrant runs it as root. Safe to re-run: a joined node is left alone.
set -euo pipefail

JOIN_COMMAND=/vagrant/join-command
WAIT_SECONDS=${WAIT_SECONDS:-900}  # providers that start VMs in parallel (libvirt) need it
NODE=$(hostname -s)

log() { printf '==> [%s] %s\n' "$NODE" "$*"; }

if [ -f /etc/kubernetes/kubelet.conf ]; then
  log "already joined the cluster"
  exit 0
fi

deadline=$((SECONDS + WAIT_SECONDS))
until [ -s "$JOIN_COMMAND" ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "no ${JOIN_COMMAND} after ${WAIT_SECONDS}s: provision the control plane first" \
      "(vagrant provision control-plane), then this worker (vagrant provision ${NODE})"
    exit 1
  fi
  sleep 5
done

# The file holds one line, `kubeadm join HOST:PORT --token ... --discovery-token-ca-cert-hash
# ...`: run it as words, never as shell code.
read -r -a join <"$JOIN_COMMAND"
if [ "${#join[@]}" -lt 3 ] || [ "${join[0]}" != kubeadm ] || [ "${join[1]}" != join ]; then
  log "${JOIN_COMMAND} does not hold a kubeadm join command"
  exit 1
fi

log "joining the cluster at ${join[2]}"
if ! "${join[@]}" --node-name "$NODE"; then
  kubeadm reset --force >/dev/null 2>&1 || true  # so that the next attempt starts clean
  log "kubeadm join failed; an expired token? run: vagrant provision control-plane &&" \
    "vagrant provision ${NODE}"
  exit 1
fi
log "joined"
