#!/usr/bin/env bash
# The control-plane VM, after common.sh: `kubeadm init`, Calico, a default StorageClass
# (local-path provisioner, so StatefulSet lessons get volumes), and the join command for the
# workers in the synced folder. Vagrant runs it as root:
#   control-plane.sh CONTROL_PLANE_IP POD_CIDR
# Safe to re-run: init happens once; applies are server-side and idempotent.
set -euo pipefail

CONTROL_PLANE_IP=${1:?usage: control-plane.sh CONTROL_PLANE_IP POD_CIDR}
POD_CIDR=${2:?usage: control-plane.sh CONTROL_PLANE_IP POD_CIDR}

CALICO_VERSION="v3.32.3"
LOCAL_PATH_VERSION="v0.0.34"
CALICO_MANIFEST="https://raw.githubusercontent.com/projectcalico/calico/${CALICO_VERSION}/manifests/calico.yaml"
LOCAL_PATH_MANIFEST="https://raw.githubusercontent.com/rancher/local-path-provisioner/${LOCAL_PATH_VERSION}/deploy/local-path-storage.yaml"
SHARED=/vagrant                 # the synced folder: vagrant-provisioning/ on the host
JOIN_COMMAND="$SHARED/join-command"

export KUBECONFIG=/etc/kubernetes/admin.conf
NODE=$(hostname -s)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

log() { printf '==> [%s] %s\n' "$NODE" "$*"; }

# wait_for SECONDS WHAT COMMAND...: run COMMAND until it succeeds, or fail after SECONDS.
wait_for() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "gave up waiting for ${what} after ${seconds}s"
      return 1
    fi
    sleep 3
  done
}

if [ ! -f /etc/kubernetes/admin.conf ]; then
  log "kubeadm init (API server on ${CONTROL_PLANE_IP}, pods in ${POD_CIDR})"
  kubeadm init \
    --apiserver-advertise-address "$CONTROL_PLANE_IP" \
    --pod-network-cidr "$POD_CIDR" \
    --node-name "$NODE" \
    --kubernetes-version "$(kubeadm version -o short)"
else
  log "kubeadm init already done"
fi
wait_for 300 "the API server" kubectl get --raw /readyz

if id vagrant >/dev/null 2>&1; then
  install -d -o vagrant -g vagrant -m 0700 /home/vagrant/.kube
  install -o vagrant -g vagrant -m 0600 /etc/kubernetes/admin.conf /home/vagrant/.kube/config
fi

log "Calico ${CALICO_VERSION} (pod network ${POD_CIDR})"
curl -fsSLo "$WORK/calico.yaml" "$CALICO_MANIFEST"
sed -i \
  -e 's|^\([[:space:]]*\)# - name: CALICO_IPV4POOL_CIDR|\1- name: CALICO_IPV4POOL_CIDR|' \
  -e 's|^\([[:space:]]*\)#   value: "192\.168\.0\.0/16"|\1  value: "'"$POD_CIDR"'"|' \
  "$WORK/calico.yaml"
if ! grep -q "value: \"$POD_CIDR\"" "$WORK/calico.yaml"; then
  log "note: no CALICO_IPV4POOL_CIDR to set in the manifest; Calico takes kubeadm's pod CIDR"
fi
kubectl apply --server-side --force-conflicts -f "$WORK/calico.yaml" >/dev/null
# Each VM has the same NAT address (10.0.2.15) too: route pods over the node's InternalIP,
# the private-network address common.sh gave the kubelet.
kubectl -n kube-system set env daemonset/calico-node \
  IP_AUTODETECTION_METHOD=kubernetes-internal-ip >/dev/null
kubectl -n kube-system rollout status daemonset/calico-node --timeout=600s
kubectl wait --for=condition=Ready "node/$NODE" --timeout=300s

log "local-path provisioner ${LOCAL_PATH_VERSION} as the default StorageClass"
kubectl apply --server-side --force-conflicts -f "$LOCAL_PATH_MANIFEST" >/dev/null
kubectl annotate --overwrite storageclass local-path \
  storageclass.kubernetes.io/is-default-class=true >/dev/null

log "join command for the workers in ${JOIN_COMMAND}"
kubeadm token create --print-join-command >"$JOIN_COMMAND.tmp"
chmod 0600 "$JOIN_COMMAND.tmp"
mv -f "$JOIN_COMMAND.tmp" "$JOIN_COMMAND"

log "control plane ready; on the host run scripts/fetch-kubeconfig.sh"
