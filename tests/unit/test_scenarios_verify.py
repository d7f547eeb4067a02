"""The verify CLI against a scripted kubectl: success, mismatch (exit 1 with the log), video address."""
import json
import subprocess

import pytest

import scenarios.verify as verify
from host.runner import Result
from tests.unit.test_scenarios_calc import JSON_LINE


class FakeKubectl:
    """Answers kubectl calls from a table of (args contain -> stdout); records every call."""

    def __init__(self, answers):
        self.answers, self.calls = answers, []

    def run(self, cmd, check=True):
        args = cmd[3:]  # drop kubectl --kubeconfig FILE
        self.calls.append(args)
        for key, out in self.answers:
            if all(k in args for k in key):
                out = out(self) if callable(out) else out
                return Result(list(cmd), 0, out, "")
        return Result(list(cmd), 1, "", f"unexpected: {args}")


class FastClock(verify.Clock):
    def __init__(self, steps=5):
        self.t = 0.0
        super().__init__(steps, sleep=self._sleep, now=lambda: self.t)

    def _sleep(self, s):
        self.t += 1


def pods(df, keys, phase="Running"):
    return json.dumps({"items": [{"metadata": {"name": f"{df}-wbfunction-{k}-cpu-pod"},
                                  "status": {"phase": phase, "containerStatuses": [{"ready": True}]}}
                                 for k in keys]})


CALC_KEYS = ["send", "plus", "minus", "multiply", "divide", "average", "rcv"]


def calc_answers(result_line):
    def logs(fake):  # the receiver logs a result once the send pod has run /calcapp
        sent = any("exec" in c for c in fake.calls)
        return "start gRPC server\n" + (result_line + "\n" if sent else "")
    return [(("get", "dataflow"), "Deployed"), (("get", "pods"), pods("df-calcapp", CALC_KEYS)),
            (("exec",), ""), (("logs",), logs)]


def run(fake, *argv, steps=5):
    return verify.main(["--kubeconfig", "/k", *argv], runner=fake, clock=FastClock(steps))


def test_calc_success(capsys):
    fake = FakeKubectl(calc_answers(JSON_LINE))
    assert run(fake, "--scenario", "calcapp-basic", "--functions", ",".join(CALC_KEYS)) == 0
    assert "calcapp-basic: OK, plus 15" in capsys.readouterr().out
    execs = [c for c in fake.calls if "exec" in c]
    assert execs[0][-6:] == ["/calcapp", "1", "2", "3", "4", "5"]
    assert "df-calcapp-wbfunction-send-cpu-pod" in execs[0] and "cpu-container0" in execs[0]


def test_calc_mismatch_fails_with_the_log_excerpt(capsys):
    fake = FakeKubectl(calc_answers(JSON_LINE.replace('"value":120', '"value":121')))
    assert run(fake, "--scenario", "calcapp-basic") == 1
    err = capsys.readouterr().err
    assert "multiply: expected 120.0, got 121.0" in err
    assert "log excerpt (df-calcapp-wbfunction-rcv-cpu-pod)" in err and '"value":121' in err


def test_calc_without_results_times_out():
    fake = FakeKubectl(calc_answers(""))
    assert run(fake, "--scenario", "calcapp-sriov") == 1


def test_dataflow_error_fails_at_once(capsys):
    fake = FakeKubectl([(("get", "dataflow"), "Error")])
    assert run(fake, "--scenario", "p1c1", steps=100) == 1
    assert "DataFlow cpufunc-sample/df-cpu-p1c1 is in Error" in capsys.readouterr().err
    assert len(fake.calls) == 1


def test_pods_not_running_time_out(capsys):
    fake = FakeKubectl([(("get", "dataflow"), "Deployed"),
                        (("get", "pods"), pods("df-cpu-p1c1", ["pip", "rcv"], phase="Pending"))])
    assert run(fake, "--scenario", "p1c1", "--functions", "pip,rcv") == 1
    assert "not Running/ready: df-cpu-p1c1-wbfunction-pip-cpu-pod" in capsys.readouterr().err


def test_video_with_load_balancer(capsys):
    fake = FakeKubectl([(("get", "dataflow"), "Deployed"),
                        (("get", "pods"), pods("df-cpu-p1c2", ["pip", "rcv"])),
                        (("get", "service", "df-cpu-p1c2-wbfunction-pip-service"), "172.18.9.1 10.96.0.12")])
    assert run(fake, "--scenario", "p1c2", "--functions", "pip,rcv") == 0
    assert "send the video to 172.18.9.1:5678" in capsys.readouterr().out


def test_video_with_sriov_reads_the_network_status(capsys):
    status = json.dumps([{"name": "k8s-pod-network", "ips": ["10.100.1.5"]},
                         {"name": "cpufunc-sample/sriov-ipam-config", "ips": ["192.168.20.12"]}])
    fake = FakeKubectl([(("get", "dataflow"), "Deployed"), (("get", "pods"), pods("df-cpu-p3c1", ["pip", "rcv"])),
                        (("get", "pod", "df-cpu-p3c1-wbfunction-pip-cpu-pod"), status)])
    assert run(fake, "--scenario", "p3c1", "--functions", "pip,rcv") == 0
    assert "192.168.20.12:5678" in capsys.readouterr().out


def test_kubeconfig_from_the_environment(monkeypatch):
    seen = {}

    class Fake:
        def run(self, cmd, check=True):
            seen["content"] = open(cmd[2]).read()
            return Result(list(cmd), 0, "Error", "")
    monkeypatch.setenv("SCENARIO_KUBECONFIG", "apiVersion: v1\nkind: Config\n")
    assert verify.main(["--scenario", "p1c1"], runner=Fake(), clock=FastClock()) == 1
    assert seen["content"].startswith("apiVersion: v1")


def test_bad_arguments_exit_2(monkeypatch):
    monkeypatch.delenv("SCENARIO_KUBECONFIG", raising=False)
    with pytest.raises(SystemExit) as e:
        verify.main(["--scenario", "p1c1"])
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        verify.main(["--scenario", "p9c9", "--kubeconfig", "/k"])


def test_runs_as_a_module_with_a_fake_kubectl(tmp_path):
    """What the local.Command runs: a real process, kubectl replaced by a script answering 'Error'."""
    import sys
    from pathlib import Path
    fake = tmp_path / "kubectl"
    fake.write_text("#!/bin/sh\necho -n Error\n")
    fake.chmod(0o755)
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run([sys.executable, "-m", "scenarios.verify", "--scenario", "p1c1", "--kubeconfig", "/dev/null",
                        "--kubectl", str(fake), "--timeout", "1"], cwd=root, capture_output=True, text=True)
    assert p.returncode == 1 and "DataFlow cpufunc-sample/df-cpu-p1c1 is in Error" in p.stderr
