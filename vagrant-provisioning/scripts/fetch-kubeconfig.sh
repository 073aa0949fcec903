#!/usr/bin/env bash
# On the host: copy the control plane's admin kubeconfig to vagrant-provisioning/kubeconfig
# (mode 0600) with its cluster, user and context all renamed to `k8slab-vagrant`, so that it
# cannot clash with the names of any other kubeconfig you merge it with.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/fetch-kubeconfig.sh [--from FILE] [--output FILE] [--name NAME]

  --from FILE    rename this kubeconfig instead of reading the control-plane VM's
                 /etc/kubernetes/admin.conf (with `vagrant ssh`)
  --output FILE  where to write (default: vagrant-provisioning/kubeconfig)
  --name NAME    the cluster, user and context name (default: k8slab-vagrant)
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
from=""
output="$here/kubeconfig"
name="k8slab-vagrant"
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from=${2:?--from needs a file}; shift 2 ;;
    --output) output=${2:?--output needs a file}; shift 2 ;;
    --name) name=${2:?--name needs a name}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
if ! [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._@-]*$ ]]; then
  echo "error: --name '$name': use letters, digits and . _ @ - only" >&2
  exit 2
fi

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "$from" ]; then
  cp "$from" "$work/admin.conf"
else
  if ! command -v vagrant >/dev/null; then
    echo "error: the vagrant command is not installed here" >&2
    echo "  hint: run this where you ran \`vagrant up\`, or pass --from FILE" >&2
    exit 1
  fi
  VAGRANT_CWD="$here" vagrant ssh control-plane --no-tty \
    -c "sudo cat /etc/kubernetes/admin.conf" | tr -d '\r' >"$work/admin.conf"
fi

# Rename the one cluster, user and context (and current-context) of a kubeconfig as written by
# kubeadm or client-go: top-level keys at column 0, list items at column 0, and entry names at
# `- name:` or `  name:`. Fails if there is not exactly one of each.
rename() {
  awk -v name="$1" '
    /^[^ \t#-]/ {
      section = $0
      sub(/:.*/, "", section)
      if (section == "current-context") { print "current-context: " name; current = 1; next }
    }
    (section == "clusters" || section == "users" || section == "contexts") &&
        /^(- |  )name:/ {
      count[section]++
      sub(/name:.*/, "name: " name)
      print
      next
    }
    section == "contexts" && /^ +(cluster|user):[ \t]*[^ \t]/ {
      sub(/:.*/, ": " name)
      print
      next
    }
    { print }
    END {
      if (!current) print "current-context: " name
      split("clusters users contexts", wanted, " ")
      for (i = 1; i <= 3; i++) {
        if (count[wanted[i]] != 1) {
          printf "error: expected one entry in %s, found %d\n", wanted[i], count[wanted[i]] \
            > "/dev/stderr"
          exit 3
        }
      }
    }
  '
}

if ! grep -q '^kind: Config' "$work/admin.conf"; then
  echo "error: ${from:-/etc/kubernetes/admin.conf on the control plane} is not a kubeconfig" >&2
  exit 1
fi
rename "$name" <"$work/admin.conf" >"$work/renamed"
chmod 0600 "$work/renamed"
mkdir -p "$(dirname "$output")"
mv -f "$work/renamed" "$output"
echo "wrote $output (context $name)"
echo "  use it: k8slab.connect(kubeconfig=\"$output\", context=\"$name\")"
echo "      or: export K8SLAB_KUBECONFIG=\"$output\" K8SLAB_CONTEXT=$name"
