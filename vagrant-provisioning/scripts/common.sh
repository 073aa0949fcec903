#!/usr/bin/env bash
# Every node of the Vagrant cluster: swap off, kernel modules and sysctls, containerd 2.x, and
# kubeadm/kubelet/kubectl of one pinned Kubernetes release. Vagrant runs it as root:
#   common.sh NODE_IP
# Safe to re-run (`vagrant provision`): each step checks what is already there.
set -euo pipefail

NODE_IP=${1:?usage: common.sh NODE_IP}

# The Kubernetes release of the VMs: the same as k8slab's embedded cluster
# (k8slab/cluster/versions.py; tests/unit/test_vagrant_provisioning.py checks they agree).
KUBERNETES_VERSION="1.36.3"
KUBERNETES_MINOR="${KUBERNETES_VERSION%.*}"
# Kubernetes 1.36 needs containerd 2.x, newer than Ubuntu 24.04's package: use the release.
CONTAINERD_VERSION="2.1.4"
RUNC_VERSION="1.3.3"

KUBERNETES_APT="https://pkgs.k8s.io/core:/stable:/v${KUBERNETES_MINOR}/deb"
CONTAINERD_RELEASES="https://github.com/containerd/containerd/releases/download"
RUNC_RELEASES="https://github.com/opencontainers/runc/releases/download"

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
ARCH=$(dpkg --print-architecture)  # amd64 | arm64: the release files use the same names
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

log() { printf '==> [%s] %s\n' "$(hostname -s)" "$*"; }

# Write stdin to $1 (mode $2) unless it already holds exactly that; CHANGED=1 if written.
CHANGED=0
install_content() {
  local target=$1 mode=$2 new="$WORK/content"
  cat >"$new"
  CHANGED=0
  if ! { [ -f "$target" ] && cmp -s "$new" "$target"; }; then
    install -D -m "$mode" "$new" "$target"
    CHANGED=1
  fi
}

log "swap off (the kubelet refuses to start with swap on)"
swapoff -a
sed -ri '/^[[:space:]]*[^#[:space:]].*[[:space:]]swap[[:space:]]/ s/^/# (k8slab) /' /etc/fstab

log "kernel modules and sysctls for pod networking"
install_content /etc/modules-load.d/k8slab.conf 0644 <<'EOF'
overlay
br_netfilter
EOF
modprobe overlay
modprobe br_netfilter
install_content /etc/sysctl.d/90-k8slab.conf 0644 <<'EOF'
net.bridge.bridge-nf-call-iptables  = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward                 = 1
EOF
sysctl --system >/dev/null

log "base packages"
"${APT[@]}" update
"${APT[@]}" install ca-certificates curl gpg conntrack socat iptables

log "containerd ${CONTAINERD_VERSION} and runc ${RUNC_VERSION}"
if [ "$(containerd --version 2>/dev/null | awk '{print $3}')" != "v${CONTAINERD_VERSION}" ]; then
  tarball="containerd-${CONTAINERD_VERSION}-linux-${ARCH}.tar.gz"
  curl -fsSLo "$WORK/$tarball" "$CONTAINERD_RELEASES/v${CONTAINERD_VERSION}/$tarball"
  curl -fsSLo "$WORK/$tarball.sha256sum" \
    "$CONTAINERD_RELEASES/v${CONTAINERD_VERSION}/$tarball.sha256sum"
  (cd "$WORK" && sha256sum --check --quiet "$tarball.sha256sum")
  tar -C /usr/local -xzf "$WORK/$tarball"
fi
if [ "$(runc --version 2>/dev/null | awk 'NR == 1 {print $3}')" != "${RUNC_VERSION}" ]; then
  curl -fsSLo "$WORK/runc.${ARCH}" "$RUNC_RELEASES/v${RUNC_VERSION}/runc.${ARCH}"
  curl -fsSLo "$WORK/runc.sha256sum" "$RUNC_RELEASES/v${RUNC_VERSION}/runc.sha256sum"
  (cd "$WORK" && grep -E "[ *]runc\.${ARCH}\$" runc.sha256sum | sha256sum --check --quiet)
  install -m 0755 "$WORK/runc.${ARCH}" /usr/local/sbin/runc
fi

# Only what differs from containerd's defaults: the systemd cgroup driver, as the kubelet's.
install_content /etc/containerd/config.toml 0644 <<'EOF'
version = 3

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = true
EOF
containerd_changed=$CHANGED
install_content /etc/systemd/system/containerd.service 0644 <<'EOF'
[Unit]
Description=containerd container runtime
After=network.target local-fs.target

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=5
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
OOMScoreAdjust=-999

[Install]
WantedBy=multi-user.target
EOF
containerd_changed=$((containerd_changed + CHANGED))
install_content /etc/crictl.yaml 0644 <<'EOF'
runtime-endpoint: unix:///run/containerd/containerd.sock
image-endpoint: unix:///run/containerd/containerd.sock
EOF
systemctl daemon-reload
systemctl enable --now containerd
if [ "$containerd_changed" -gt 0 ]; then
  systemctl restart containerd
fi

log "kubeadm, kubelet and kubectl ${KUBERNETES_VERSION}"
keyring=/etc/apt/keyrings/kubernetes-apt-keyring.gpg
if [ ! -s "$keyring" ]; then
  install -d -m 0755 /etc/apt/keyrings
  curl -fsSL "$KUBERNETES_APT/Release.key" | gpg --dearmor --yes -o "$keyring"
fi
install_content /etc/apt/sources.list.d/kubernetes.list 0644 <<EOF
deb [signed-by=$keyring] $KUBERNETES_APT/ /
EOF
if [ "$(kubeadm version -o short 2>/dev/null)" != "v${KUBERNETES_VERSION}" ] ||
   [ "$(kubelet --version 2>/dev/null | awk '{print $2}')" != "v${KUBERNETES_VERSION}" ]; then
  "${APT[@]}" update
  "${APT[@]}" install --allow-change-held-packages \
    "kubelet=${KUBERNETES_VERSION}-*" "kubeadm=${KUBERNETES_VERSION}-*" \
    "kubectl=${KUBERNETES_VERSION}-*" kubernetes-cni cri-tools
  apt-mark hold kubelet kubeadm kubectl >/dev/null
fi

log "kubelet on the private network address ${NODE_IP}"
# Without --node-ip every VM would report the NAT address Vagrant gives them all (10.0.2.15).
install_content /etc/default/kubelet 0644 <<EOF
KUBELET_EXTRA_ARGS=--node-ip=${NODE_IP}
EOF
if [ "$CHANGED" = 1 ]; then
  systemctl daemon-reload
  if systemctl is-active --quiet kubelet; then
    systemctl restart kubelet
  fi
fi
systemctl enable kubelet
log "node prepared"
