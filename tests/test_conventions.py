"""kubectl's conventions, where a kubectl user expects them: nothing matched, flags, help, plurals."""

from __future__ import annotations

import json

import pytest

# -- nothing matched: exit 0 and kubectl get's words (kubectl/pkg/cmd/get/get.go) -----------------
NOTHING = [
    (["explain"], []),
    (["explain", "-o", "wide"], []),
    (["diff"], ["-l", "app=nothing"]),
    (["diff", "--owner"], []),
    (["diff", "--pattern", "sidecar"], ["-l", "app=nothing"]),
]


@pytest.mark.parametrize("command,more", NOTHING, ids=lambda v: " ".join(v))
@pytest.mark.parametrize("scope,said", [(["-n", "empty"], "No resources found in empty namespace.\n"),
                                        (["-A"], "No resources found\n")])
def test_nothing_matched_is_exit_0_and_kubectls_words_on_stderr(cli, kubeconfig, command, more, scope, said):
    selector = more or ["-l", "app=nothing"]
    code, out, err = cli(*command, *scope, *selector, "--kubeconfig", kubeconfig)
    assert (code, out, err) == (0, "", said)


@pytest.mark.parametrize("command,header", [("explain", "ExplainList"), ("diff", "DiffList")])
def test_nothing_matched_in_json_is_an_empty_list_and_nothing_on_stderr(cli, kubeconfig, command, header):
    code, out, err = cli(command, "-n", "empty", "-l", "app=nothing", "-o", "json", "--kubeconfig", kubeconfig)
    assert (code, err) == (0, "")
    assert json.loads(out) == {"kind": header, "apiVersion": "kubectl-pods/v1", "items": []}


def test_a_pod_asked_by_name_that_is_not_there_is_still_an_error(cli, kubeconfig):
    code, out, err = cli("explain", "nosuch", "--kubeconfig", kubeconfig)
    assert (code, out) == (2, "") and err.startswith('error: pods "nosuch" not found')
