"""The Vagrant workshop cluster's files: scripts that parse and pass shellcheck, a Vagrantfile
that parses and defines a control plane and two workers sized by environment variables, one
Kubernetes release pinned (the embedded cluster's), and the kubeconfig renaming that points
k8slab at the VMs. Vagrant itself cannot run here: the Vagrantfile is evaluated by Ruby
against a small stand-in for Vagrant's configuration object."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from k8slab.cluster import versions

REPO = Path(__file__).resolve().parents[2]
VAGRANT = REPO / "vagrant-provisioning"
VAGRANTFILE = VAGRANT / "Vagrantfile"
SCRIPTS = sorted((VAGRANT / "scripts").glob("*.sh"))
FETCH = VAGRANT / "scripts" / "fetch-kubeconfig.sh"
SIZE_VARIABLES = ("WORKERS", "CP_CPUS", "CP_MEMORY", "WORKER_CPUS", "WORKER_MEMORY")

# A stand-in for Vagrant: records what the Vagrantfile defines and prints it as JSON.
# Blocks of triggers are not run (they would touch files on the host).
VAGRANT_STUB = r"""
require "json"

class Ignored
  def method_missing(_name, *_args, **_kwargs)
    self
  end

  def respond_to_missing?(*_args)
    true
  end
end

class Settings
  attr_reader :values

  def initialize
    @values = {}
  end

  def method_missing(name, *args, **_kwargs)
    @values[name.to_s.chomp("=")] = args.first if name.to_s.end_with?("=")
    self
  end

  def respond_to_missing?(*_args)
    true
  end
end

class Triggers
  def after(*_events)
    yield Ignored.new
  end

  def before(*_events)
    yield Ignored.new
  end
end

class VM
  attr_reader :data

  def initialize
    @data = { "networks" => [], "provisioners" => [], "providers" => {} }
  end

  def box=(value)
    $box = value
  end

  def box_check_update=(_value); end

  def synced_folder(*_args, **_kwargs); end

  def hostname=(value)
    @data["hostname"] = value
  end

  def network(type, **options)
    @data["networks"] << options.transform_keys(&:to_s).merge("type" => type)
  end

  def provision(name, **options)
    @data["provisioners"] << options.transform_keys(&:to_s).merge("name" => name)
  end

  def provider(name)
    settings = Settings.new
    yield settings, Machine.new
    @data["providers"][name] = settings.values
  end

  def define(name, **options)
    machine = Machine.new
    yield machine
    $machines << machine.vm.data.merge("name" => name, "primary" => options[:primary] == true)
  end
end

class Machine
  attr_reader :vm, :trigger

  def initialize
    @vm = VM.new
    @trigger = Triggers.new
  end
end

module Vagrant
  def self.configure(_version)
    yield Machine.new
  end
end

$machines = []
load ARGV[0]
puts JSON.generate({ "box" => $box, "machines" => $machines })
"""


def tool(name: str) -> str:
    """The path of a checker the tests need; a clear failure (never a skip) if it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not installed: the Vagrant checks need it "
                    f"(.ci/run installs it; by hand: apt-get install {name})", pytrace=False)
    return path


def evaluate_vagrantfile(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    """Run the Vagrantfile under the stand-in with K8SLAB_VAGRANT_<name>=value settings."""
    stub = tmp_path / "vagrant_stub.rb"
    stub.write_text(VAGRANT_STUB)
    env = {k: v for k, v in os.environ.items() if not k.startswith("K8SLAB_VAGRANT_")}
    env.update({f"K8SLAB_VAGRANT_{k}": v for k, v in settings.items()})
    return subprocess.run([tool("ruby"), str(stub), str(VAGRANTFILE)], capture_output=True,
                          text=True, env=env, timeout=60)


def machines(tmp_path: Path, **settings: str) -> dict[str, dict]:
    done = evaluate_vagrantfile(tmp_path, **settings)
    assert done.returncode == 0, done.stderr
    return {m["name"]: m for m in json.loads(done.stdout)["machines"]}


def test_there_are_the_four_provisioning_scripts():
    assert [p.name for p in SCRIPTS] == ["common.sh", "control-plane.sh",
                                         "fetch-kubeconfig.sh", "worker.sh"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_parses_with_bash_n(script: Path):
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_is_shellcheck_clean(script: Path):
    done = subprocess.run([tool("shellcheck"), "--severity=style", str(script)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_is_executable_bash_in_strict_mode(script: Path):
    lines = script.read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines
    assert script.stat().st_mode & stat.S_IXUSR


def test_vagrantfile_parses_with_ruby_c():
    done = subprocess.run([tool("ruby"), "-c", str(VAGRANTFILE)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "Syntax OK" in done.stdout, done.stderr


def test_vagrantfile_reads_every_size_from_an_environment_variable():
    text = VAGRANTFILE.read_text()
    assert 'ENV.fetch("K8SLAB_VAGRANT_#{name}"' in text
    for name in SIZE_VARIABLES:
        assert re.search(rf'k8slab_number\("{name}", \d+, \d+\)', text), name


def test_vagrantfile_defines_a_control_plane_and_two_workers_by_default(tmp_path):
    found = machines(tmp_path)
    assert list(found) == ["control-plane", "worker-1", "worker-2"]
    assert found["control-plane"]["primary"] and not found["worker-1"]["primary"]
    addresses = [m["networks"][0]["ip"] for m in found.values()]
    assert all(m["networks"][0]["type"] == "private_network" for m in found.values())
    assert addresses == ["192.168.56.10", "192.168.56.11", "192.168.56.12"]
    assert found["control-plane"]["providers"]["virtualbox"]["cpus"] >= 2  # kubeadm's minimum


def test_vagrantfile_runs_common_then_the_role_script_on_each_vm(tmp_path):
    found = machines(tmp_path)
    scripts = {name: [p["path"] for p in m["provisioners"]] for name, m in found.items()}
    assert scripts["control-plane"] == ["scripts/common.sh", "scripts/control-plane.sh"]
    assert scripts["worker-1"] == scripts["worker-2"] == ["scripts/common.sh",
                                                          "scripts/worker.sh"]
    for m in found.values():
        assert m["provisioners"][0]["args"] == [m["networks"][0]["ip"]]  # the kubelet's node IP


def test_vagrantfile_sizes_and_worker_count_follow_the_environment(tmp_path):
    found = machines(tmp_path, WORKERS="3", CP_CPUS="4", CP_MEMORY="8192",
                     WORKER_CPUS="3", WORKER_MEMORY="4096", NETWORK="192.168.60")
    assert list(found) == ["control-plane", "worker-1", "worker-2", "worker-3"]
    for provider in ("virtualbox", "libvirt"):
        assert found["control-plane"]["providers"][provider]["cpus"] == 4
        assert found["control-plane"]["providers"][provider]["memory"] == 8192
        assert found["worker-3"]["providers"][provider]["cpus"] == 3
        assert found["worker-3"]["providers"][provider]["memory"] == 4096
    assert found["worker-3"]["networks"][0]["ip"] == "192.168.60.13"


def test_vagrantfile_rejects_a_size_that_is_not_a_number(tmp_path):
    done = evaluate_vagrantfile(tmp_path, WORKER_MEMORY="lots")
    assert done.returncode != 0
    assert 'K8SLAB_VAGRANT_WORKER_MEMORY="lots"' in done.stderr
    assert "whole number" in done.stderr


def test_scripts_pin_the_kubernetes_release_of_the_embedded_cluster():
    common = (VAGRANT / "scripts" / "common.sh").read_text()
    pinned = re.search(r'^KUBERNETES_VERSION="([\d.]+)"$', common, re.M)
    assert pinned and f"v{pinned.group(1)}" == versions.KUBERNETES
    assert 'KUBERNETES_MINOR="${KUBERNETES_VERSION%.*}"' in common
    assert "/core:/stable:/v${KUBERNETES_MINOR}/deb" in common
    for package in ("kubelet", "kubeadm", "kubectl"):
        assert f'"{package}=${{KUBERNETES_VERSION}}-*"' in common
    minors = {m.group(1) for script in SCRIPTS
              for m in re.finditer(r"(?<![\d.])v?1\.(\d\d)(?:\.\d+)?(?![\d.])",
                                   script.read_text())}
    assert minors == {str(versions.minor())}


def test_readme_names_the_pinned_release():
    assert versions.KUBERNETES in (VAGRANT / "README.md").read_text()


def test_control_plane_sets_up_pod_network_storage_and_join_command():
    text = (VAGRANT / "scripts" / "control-plane.sh").read_text()
    assert '--pod-network-cidr "$POD_CIDR"' in text
    assert "calico.yaml" in text and "IP_AUTODETECTION_METHOD=kubernetes-internal-ip" in text
    assert "storageclass.kubernetes.io/is-default-class=true" in text
    assert "kubeadm token create --print-join-command" in text
    assert 'JOIN_COMMAND="$SHARED/join-command"' in text
    assert "JOIN_COMMAND=/vagrant/join-command" in (VAGRANT / "scripts" / "worker.sh").read_text()


def kubeadm_admin_conf() -> dict:
    """A kubeconfig shaped like kubeadm's /etc/kubernetes/admin.conf (fake credentials)."""
    return {
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": "Q0EtREFUQQ==",
                                  "server": "https://192.168.56.10:6443"},
                      "name": "kubernetes"}],
        "contexts": [{"context": {"cluster": "kubernetes", "user": "kubernetes-admin"},
                      "name": "kubernetes-admin@kubernetes"}],
        "current-context": "kubernetes-admin@kubernetes",
        "kind": "Config",
        "preferences": {},
        "users": [{"name": "kubernetes-admin",
                   "user": {"client-certificate-data": "Q0VSVA==",
                            "client-key-data": "S0VZ"}}],
    }


def fetch(*args: str, path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=path or os.environ["PATH"])
    return subprocess.run(["bash", str(FETCH), *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_fetch_kubeconfig_renames_kubeadm_admin_conf_to_k8slab_vagrant(tmp_path):
    source, target = tmp_path / "admin.conf", tmp_path / "out" / "kubeconfig"
    source.write_text(yaml.safe_dump(kubeadm_admin_conf()))
    done = fetch("--from", str(source), "--output", str(target))
    assert done.returncode == 0, done.stderr
    expected = kubeadm_admin_conf()
    expected["clusters"][0]["name"] = expected["users"][0]["name"] = "k8slab-vagrant"
    expected["contexts"] = [{"context": {"cluster": "k8slab-vagrant", "user": "k8slab-vagrant"},
                             "name": "k8slab-vagrant"}]
    expected["current-context"] = "k8slab-vagrant"
    assert yaml.safe_load(target.read_text()) == expected
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert 'context="k8slab-vagrant"' in done.stdout


def test_fetch_kubeconfig_refuses_a_kubeconfig_with_two_contexts(tmp_path):
    config = kubeadm_admin_conf()
    config["contexts"].append({"context": {"cluster": "kubernetes", "user": "kubernetes-admin"},
                               "name": "second"})
    source, target = tmp_path / "admin.conf", tmp_path / "kubeconfig"
    source.write_text(yaml.safe_dump(config))
    done = fetch("--from", str(source), "--output", str(target))
    assert done.returncode != 0
    assert "expected one entry in contexts, found 2" in done.stderr
    assert not target.exists()


def test_fetch_kubeconfig_without_vagrant_says_how_to_proceed(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("bash", "dirname", "mktemp", "rm", "awk", "grep", "cp", "chmod", "mv", "tr"):
        if shutil.which(name):
            (bin_dir / name).symlink_to(shutil.which(name))
    done = fetch("--output", str(tmp_path / "kubeconfig"), path=str(bin_dir))
    assert done.returncode == 1
    assert "vagrant command is not installed" in done.stderr and "--from" in done.stderr
