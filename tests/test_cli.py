"""The CLI: help, version, exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kubectl_pods import __version__


def test_version(cli):
    assert cli("version") == (0, f"kubectl-pods {__version__}\n", "")


def test_help_does_not_import_heavy_modules():
    code = ("import sys; from kubectl_pods.cli import main\n"
            "try:\n    main(['--help'])\nfinally:\n"
            "    print(sorted(m for m in ('kubernetes', 'deepdiff', 'jinja2') if m in sys.modules), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.strip().splitlines()[-1] == "[]"
    assert "kubectl pods" in result.stdout


@pytest.mark.parametrize("args,needle", [
    (["explain", "--output", "xml", "-f", "x"], "unknown output format 'xml'"),
    (["explain", "--bogus"], "unknown flag: --bogus"),
    (["explain", "-f", "/nonexistent.yaml"], "does not exist"),
    (["explain", "--what-if", "app=boom", "-f", "x"], "invalid --what-if"),
    (["explain", "--request-timeout", "abc", "-f", "x"], "invalid --request-timeout"),
    (["explain", "--k8s-version", "2.1", "-f", "x"], "only 1.x exists"),
])
def test_errors_are_one_line_with_exit_2(cli, args, needle):
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and needle in err


def test_invalid_yaml_file(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nspec: [unclosed\n")
    code, _, err = cli("explain", "-f", str(bad))
    assert code == 2 and "invalid YAML or JSON" in err and err.count("\n") == 1


def test_traceback_only_with_verbose(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n")
    code, _, err = cli("explain", "-f", str(bad))
    assert code == 2 and "Traceback" not in err
    code, _, err = cli("explain", "-f", str(bad), "-v")
    assert code == 2 and "Traceback" in err and err.rstrip().splitlines()[-1].startswith("error: ")


def _help_texts():
    from kubectl_pods.cli import EXAMPLES

    return [(command, EXAMPLES[command]) for command in EXAMPLES]


@pytest.mark.parametrize("command,examples", _help_texts(), ids=lambda v: str(v) if not isinstance(v, list) else "")
def test_help_shows_every_example_and_option_help_exactly_as_written(command, examples, cli):
    import typer.main

    from kubectl_pods.cli import app

    args = [command, "--help"] if command else ["--help"]
    code, out, _ = cli(*args)
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    for example in examples:
        assert example in lines, example
    flat = " ".join(out.split())
    click_command = typer.main.get_command(app)
    if command:
        click_command = click_command.commands[command]
    for param in click_command.params:
        if param.help:
            assert " ".join(param.help.split()) in flat, param.help


@pytest.mark.parametrize("args,first,second", [
    (["scaffold", "sidecar", "web", "--image", "nginx", "--set", "image=other"], "--image", "--set image=..."),
    (["explain", "web", "-f", "pod.yaml"], "-f", "pod names"),
    (["explain", "-f", "pod.yaml", "--timeline", "-o", "json"], "--timeline", "-o json"),
    (["diff", "-f", "pod.yaml", "--owner"], "-f", "--owner"),
    (["diff", "--pattern", "sidecar", "--owner", "web"], "--pattern", "--owner"),
    (["diff", "-f", "pod.yaml", "--pattern", "sidecar"], "-f", "--pattern"),
    (["diff", "--owner", "--server-dry-run", "web"], "--server-dry-run", "--owner"),
    (["diff", "-f", "pod.yaml", "--server-dry-run", "--live", "l.yaml"], "--server-dry-run", "--live"),
    (["diff", "-f", "pod.yaml", "--explain-defaults", "-o", "unified"], "--explain-defaults", "-o unified"),
])
def test_conflicting_flags_are_one_line_naming_both(args, first, second, cli):
    code, out, err = cli(*args)
    assert (code, out) == (2, "")
    assert err == f"error: {first} and {second} cannot be used together\n"


def test_set_without_a_pattern_is_an_error(cli):
    code, _, err = cli("diff", "web", "--set", "image=x")
    assert code == 2 and err == "error: --set gives values to a pattern: use it with --pattern\n"
