"""The typer app: each command parses its flags and calls one function of `commands/`. Nothing else.

Heavy modules (the kubernetes client, deepdiff, jinja2) are imported inside the commands, so that
`kubectl pods --help` stays fast.
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
from typing import Annotated, Optional

import typer

from kubectl_pods import __version__
from kubectl_pods.errors import EXIT_ERROR, report_error
from kubectl_pods.metavars import KubectlStyleGroup
from kubectl_pods.options import KubeOptions, parse_request_timeout

PROG = "kubectl pods"


def _plain_parameters() -> None:
    """typer 0.29 coerces every parameter through a pydantic TypeAdapter, which costs about 100 ms
    of imports on every command (measured by bench/compare.py; `python -X importtime` puts
    typer._adapters at 420-470 ms cumulative on a loaded 2-core machine, where a `scaffold` run
    takes 0.94 s with this and 1.47 s without). Every parameter here is a str, a bool or a list of
    str, which click already delivers as such, so those pass through as they are; anything else
    still gets typer's own coercion.

    Why a private module: typer offers no supported way around it. 0.29.1, the newest release,
    builds the adapter for every parameter that is not a file (`_coercion.build_runtime_param` ->
    `_adapters.try_build_adapter`), a custom `parser=` included, and has no setting to turn it off.
    typer is pinned below 0.30 for this, and tests/test_startup_and_streaming.py fails if a
    command imports pydantic again, so an upgrade that breaks the patch is caught."""
    from typing import Union, get_args, get_origin

    import typer.core
    from typer import _coercion

    def plain(annotation) -> bool:
        if get_origin(annotation) is Union:
            return all(plain(arg) for arg in get_args(annotation) if arg is not type(None))
        if get_origin(annotation) is list:
            return get_args(annotation) == (str,)
        return annotation in (str, bool)

    class PlainParam(_coercion.RuntimeParam):
        def _coerce_value(self, value, param, ctx):
            return list(value) if isinstance(value, tuple) else value

    typer_build = _coercion.build_runtime_param

    def build(descriptor):
        if descriptor.file_annotation is None and plain(descriptor.annotation):
            return PlainParam(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
        return typer_build(descriptor)

    typer.core.build_runtime_param = build


_plain_parameters()

# Shown verbatim under each command's help (`\b` keeps click from re-wrapping them); a test
# checks every line appears as written.
EXAMPLES = {
    None: ["kubectl pods scaffold sidecar web --image nginx | kubectl pods explain -f -",
           "kubectl pods explain my-pod --timeline",
           "kubectl pods diff -l app=web --owner"],
    "patterns": ["kubectl pods patterns", "kubectl pods patterns sidecar -o json"],
    "scaffold": ["kubectl pods scaffold sidecar web --image nginx:1.27 | kubectl apply -f -",
                 "kubectl pods scaffold ambassador api --kind deployment --set backend=pg.prod:5432",
                 "kubectl pods scaffold init web --output-dir manifests/",
                 "kubectl pods scaffold sidecar -f deploy.yaml --container web --in-place"],
    "migrate": ["kubectl pods migrate -f job.yaml --sidecar log-shipper --wait-for-ready",
                "kubectl pods migrate -f manifests/ --in-place"],
    "explain": ["kubectl pods explain my-pod", "kubectl pods explain -l app=web -o wide",
                "kubectl pods explain -l app=web --watch",
                "kubectl pods explain -A --context staging --context prod",
                "kubectl pods explain -f pod.yaml --what-if migrate=exit:1 --k8s-version 1.29"],
    "diff": ["kubectl pods diff -f deploy.yaml",
             "kubectl pods diff my-pod",
             "kubectl pods diff -l app=web --owner --ignore 'spec.containers[name=*].image'",
             "kubectl pods diff -f pod.yaml --server-dry-run --explain-defaults",
             "kubectl pods diff -l app=web --context staging --against-context prod"],
}


def with_examples(summary: str, command: str | None) -> str:
    return summary + "\n\nExamples:\n\n\b\n" + "\n".join(f"  {line}" for line in EXAMPLES[command])


app = typer.Typer(
    name=PROG,
    cls=KubectlStyleGroup,  # flag values named as kubectl names them: SELECTOR, FILE
    help=with_examples("Scaffold, diff and explain multi-container pods: init containers, native sidecars, "
                       "adapters and ambassadors.", None),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help, as kubectl prints it: no markup eats `[name=*]`, no rich import
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)

# The kubectl flags. kubectl passes them through to the plugin unparsed.
Namespace = Annotated[Optional[str], typer.Option("-n", "--namespace", help="Namespace (default: the current context's).", rich_help_panel="kubectl flags")]
AllNamespaces = Annotated[bool, typer.Option("-A", "--all-namespaces", help="Pods of every namespace.", rich_help_panel="kubectl flags")]
Context = Annotated[Optional[str], typer.Option("--context", help="The kubeconfig context to use.", rich_help_panel="kubectl flags")]
Contexts = Annotated[Optional[list[str]], typer.Option("--context", help="The kubeconfig context to use; repeat it to run on several clusters at once.", rich_help_panel="kubectl flags")]
AllContexts = Annotated[bool, typer.Option("--all-contexts", help="Run on the cluster of every context of the kubeconfig, at once.")]
Kubeconfig = Annotated[Optional[str], typer.Option("--kubeconfig", help="Path to the kubeconfig (default: KUBECONFIG, then ~/.kube/config).", rich_help_panel="kubectl flags")]
Cluster = Annotated[Optional[str], typer.Option("--cluster", help="The kubeconfig cluster to use.", rich_help_panel="kubectl flags")]
User = Annotated[Optional[str], typer.Option("--user", help="The kubeconfig user to use.", rich_help_panel="kubectl flags")]
Selector = Annotated[Optional[str], typer.Option("-l", "--selector", help="Label selector, e.g. app=web,tier!=db.", rich_help_panel="kubectl flags")]
FieldSelector = Annotated[Optional[str], typer.Option("--field-selector", help="Field selector, e.g. status.phase=Running.", rich_help_panel="kubectl flags")]
RequestTimeout = Annotated[Optional[str], typer.Option("--request-timeout", help="Give up on a request after this long (0 = never; 5s, 1m).", rich_help_panel="kubectl flags")]
Filename = Annotated[Optional[list[str]], typer.Option("-f", "--filename", help="File, directory or - (stdin); repeatable.", rich_help_panel="kubectl flags")]
Verbose = Annotated[bool, typer.Option("-v", "--verbose", help="Show a traceback on errors.")]

# kubectl's global flags for the connection, in its words (client-go `tools/clientcmd/overrides.go`
# RecommendedConfigOverrideFlags, kubectl's `--v` from klog); they override the kubeconfig as
# kubectl's do (kubectl_pods/sources/kubeconfig.py). Each command that talks to a cluster gets
# them all through `with_connection_flags`.
CONNECTION_FLAGS = {
    "server": (Optional[str], None, typer.Option("-s", "--server", help="The address and port of the Kubernetes API server.")),
    "token": (Optional[str], None, typer.Option("--token", help="Bearer token for authentication to the API server.")),
    "as_user": (Optional[str], None, typer.Option("--as", help="Username to impersonate for the operation (a user or a service account).")),
    "as_group": (Optional[list[str]], None, typer.Option("--as-group", help="Group to impersonate for the operation; repeatable.")),
    "as_uid": (Optional[str], None, typer.Option("--as-uid", help="UID to impersonate for the operation.")),
    "certificate_authority": (Optional[str], None, typer.Option("--certificate-authority", help="Path to a cert file for the certificate authority.")),
    "client_certificate": (Optional[str], None, typer.Option("--client-certificate", help="Path to a client certificate file for TLS.")),
    "client_key": (Optional[str], None, typer.Option("--client-key", help="Path to a client key file for TLS.")),
    "tls_server_name": (Optional[str], None, typer.Option("--tls-server-name", help="Server name to use for server certificate validation (default: the server's host name).")),
    "insecure_skip_tls_verify": (bool, False, typer.Option("--insecure-skip-tls-verify", help="Do not check the server's certificate (insecure).")),
    "log_level": (Optional[str], None, typer.Option("--v", help="kubectl's log level (-v=N works too): 6 or more prints each request on stderr, 4 or more a traceback on errors.")),
}
TRACEBACK_LOG_LEVEL = 4  # klog's debug levels start at 4: there a traceback joins the error line


def with_connection_flags(command):
    """`command` with kubectl's connection flags added before its -v; their values reach it as
    one `connection` dict (so that each command does not list eleven flags of its own)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "connection"]
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                               annotation=Annotated[annotation, option])
             for name, (annotation, default, option) in CONNECTION_FLAGS.items()]
    at = next(i for i, p in enumerate(own) if p.name == "verbose")
    parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[:at]] + extra + \
        [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[at:]]

    @functools.wraps(command)
    def wrapper(**kwargs):
        connection = {name: kwargs.pop(name) for name in CONNECTION_FLAGS}
        return command(**kwargs, connection=connection)

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]  # read by inspect (and typer)
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper


def kubectl_habits(args: list[str]) -> list[str]:
    """kubectl's spellings that click does not parse, in the form it does: `-v=6`, `-v6` and
    `-v 6` (klog's level, kubectl's `--v`) become `--v=6`; `--insecure-skip-tls-verify=true`
    (a Go bool flag) the bare flag, and `=false` nothing."""
    out: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            out.append(arg)
            out.extend(rest)
            break
        level = re.fullmatch(r"-v=?(\d+)", arg)
        if level:
            out.append(f"--v={level.group(1)}")
        elif arg == "-v":
            following = next(rest, None)
            if following is not None and re.fullmatch(r"\d{1,2}", following):
                out.append(f"--v={following}")
            else:
                out.extend(a for a in (arg, following) if a is not None)
        elif arg.startswith("--insecure-skip-tls-verify="):
            if arg.split("=", 1)[1].lower() in ("true", "1", "t"):
                out.append("--insecure-skip-tls-verify")
        else:
            out.append(arg)
    return out


def kube_options(namespace, all_namespaces, context, kubeconfig, cluster, user, selector,
                 field_selector, request_timeout, filename, connection: dict | None = None) -> KubeOptions:
    from kubectl_pods.options import parse_log_level

    connection = connection or {}
    return KubeOptions(
        namespace=namespace, all_namespaces=all_namespaces, context=context,
        kubeconfig=kubeconfig, cluster=cluster, user=user, selector=selector,
        field_selector=field_selector, request_timeout=parse_request_timeout(request_timeout),
        filenames=tuple(filename or ()),
        server=connection.get("server"), token=connection.get("token"), impersonate=connection.get("as_user"),
        impersonate_groups=tuple(connection.get("as_group") or ()), impersonate_uid=connection.get("as_uid"),
        insecure_skip_tls_verify=bool(connection.get("insecure_skip_tls_verify")),
        certificate_authority=connection.get("certificate_authority"),
        client_certificate=connection.get("client_certificate"), client_key=connection.get("client_key"),
        tls_server_name=connection.get("tls_server_name"), log_level=parse_log_level(connection.get("log_level")),
    )


@app.command()
def version(verbose: Verbose = False) -> int:
    """Print the plugin's version."""
    print(f"kubectl-pods {__version__}")
    return 0


@app.command(help=with_examples('List the multi-container patterns that `kubectl pods scaffold` writes.', 'patterns'))
def patterns(
    pattern: Annotated[Optional[str], typer.Argument(help="Show this pattern in full.")] = None,
    output: Annotated[str, typer.Option("-o", "--output", help="text, json or yaml.")] = "text",
    templates: Annotated[Optional[list[str]], typer.Option("--templates", help="Extra template directory (also KUBECTL_PODS_TEMPLATES).")] = None,
    verbose: Verbose = False,
) -> int:
    from kubectl_pods.commands.patterns import run

    return run(pattern=pattern, output=output, template_dirs=templates or [])


@app.command(help=with_examples('Write a multi-container pattern as a Pod or a workload manifest, or (-f) add it to the workloads of your own manifests.', 'scaffold'))
@with_connection_flags
def scaffold(
    pattern: Annotated[str, typer.Argument(help="The pattern: see `kubectl pods patterns`.")],
    name: Annotated[Optional[str], typer.Argument(help="Name of the pod or workload (not with -f).")] = None,
    image: Annotated[Optional[str], typer.Option("--image", help="The app container's image.")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="pod, deployment, statefulset, daemonset, job or cronjob.")] = None,
    k8s_version: Annotated[Optional[str], typer.Option("--k8s-version", help="Target Kubernetes version X.Y (default: that of the cluster --context, --kubeconfig or KUBECONFIG names, if it answers; else the newest supported).")] = None,
    set_values: Annotated[Optional[list[str]], typer.Option("--set", help="KEY=VALUE of a pattern parameter; repeatable.")] = None,
    values: Annotated[Optional[str], typer.Option("--values", help="YAML file of parameter values.")] = None,
    output: Annotated[str, typer.Option("-o", "--output", help="yaml or json.")] = "yaml",
    output_dir: Annotated[Optional[str], typer.Option("--output-dir", help="Write one file per object here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files in --output-dir.")] = False,
    templates: Annotated[Optional[list[str]], typer.Option("--templates", help="Extra template directory (also KUBECTL_PODS_TEMPLATES).")] = None,
    container: Annotated[Optional[str], typer.Option("--container", help="With -f: the app container to wire the pattern to.")] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="With -f: rewrite the files (atomically) instead of printing.")] = False,
    namespace: Namespace = None, context: Context = None, kubeconfig: Kubeconfig = None,
    cluster: Cluster = None, user: User = None, request_timeout: RequestTimeout = None,
    filename: Annotated[Optional[list[str]], typer.Option("-f", "--filename", help="Add the pattern to every workload of this file, directory or - (stdin); repeatable.")] = None,
    verbose: Verbose = False, connection: dict | None = None,
) -> int:
    options = kube_options(namespace, False, context, kubeconfig, cluster, user, None, None,
                           request_timeout, filename, connection)
    if filename:
        from kubectl_pods.commands.scaffold_onto import run as run_onto

        return run_onto(pattern=pattern, name=name, image=image, kind=kind, k8s_version=k8s_version,
                        set_values=set_values or [], values_file=values, output=output,
                        output_dir=output_dir, container=container, in_place=in_place,
                        template_dirs=templates or [], options=options)
    from kubectl_pods.commands.scaffold import run
    from kubectl_pods.commands.scaffold_onto import without_files

    return run(pattern=pattern, name=without_files(name=name, container=container, in_place=in_place), image=image, kind=kind or "pod", k8s_version=k8s_version,
               set_values=set_values or [], values_file=values, output=output,
               output_dir=output_dir, force=force, template_dirs=templates or [], options=options)


@app.command(help=with_examples("Rewrite legacy sidecars (helpers in containers) as native sidecars, in manifests.\n\nWhich: --sidecar NAME, else the helpers of the kubectl-pods.dev/roles annotation. A sidecar an injector wrote is not moved: its injector's native switch is set instead.", 'migrate'))
@with_connection_flags
def migrate(
    sidecar: Annotated[Optional[list[str]], typer.Option("--sidecar", help="A container to make a native sidecar; repeatable.")] = None,
    wait_for_ready: Annotated[bool, typer.Option("--wait-for-ready", help="Give each a startupProbe from its readinessProbe, so the app starts once it serves.")] = False,
    k8s_version: Annotated[Optional[str], typer.Option("--k8s-version", help="Target Kubernetes version X.Y (default: that of the cluster --context, --kubeconfig or KUBECONFIG names, if it answers; else the newest supported).")] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Rewrite the files (atomically) instead of printing.")] = False,
    output: Annotated[str, typer.Option("-o", "--output", help="yaml (the files as written) or json (a List of the objects).")] = "yaml",
    context: Context = None, kubeconfig: Kubeconfig = None, cluster: Cluster = None, user: User = None,
    request_timeout: RequestTimeout = None, filename: Filename = None, verbose: Verbose = False,
    connection: dict | None = None,
) -> int:
    from kubectl_pods.commands.migrate import run

    options = kube_options(None, False, context, kubeconfig, cluster, user, None, None,
                           request_timeout, filename, connection)
    return run(sidecars=sidecar or [], wait_for_ready=wait_for_ready, k8s_version=k8s_version,
               in_place=in_place, output=output, options=options)


@app.command(help=with_examples('Explain how pods start, restart and stop, and where a live pod is stuck.', 'explain'))
@with_connection_flags
def explain(
    pods: Annotated[Optional[list[str]], typer.Argument(help="Pod names (default: every pod the flags select).")] = None,
    output: Annotated[str, typer.Option("-o", "--output", help="text, wide, json or yaml.")] = "text",
    timeline: Annotated[bool, typer.Option("--timeline", help="Draw a per-container chart.")] = False,
    what_if: Annotated[Optional[list[str]], typer.Option("--what-if", help="CONTAINER=exit:CODE: what the kubelet does next.")] = None,
    k8s_version: Annotated[Optional[str], typer.Option("--k8s-version", help="Explain for this Kubernetes version X.Y.")] = None,
    watch: Annotated[bool, typer.Option("-w", "--watch", help="Follow the pods: a line per transition, as it happens.")] = False,
    until: Annotated[str, typer.Option("--until", help="With --watch, stop when every pod is: ready (or finished), done (finished), or never.")] = "ready",
    namespace: Namespace = None, all_namespaces: AllNamespaces = False, context: Contexts = None,
    all_contexts: AllContexts = False,
    kubeconfig: Kubeconfig = None, cluster: Cluster = None, user: User = None,
    selector: Selector = None, field_selector: FieldSelector = None,
    request_timeout: RequestTimeout = None, filename: Filename = None, verbose: Verbose = False,
    connection: dict | None = None,
) -> int:
    from kubectl_pods.commands.explain import run

    options = kube_options(namespace, all_namespaces, None, kubeconfig, cluster, user,
                           selector, field_selector, request_timeout, filename, connection)
    return run(names=tuple(pods or ()), output=output, timeline=timeline,
               what_if=what_if or [], k8s_version=k8s_version, options=options,
               contexts=context or [], all_contexts=all_contexts, watch=watch, until=until)


@app.command(help=with_examples("Show real drift between live pods and what was intended (exit 1 when there is some).\n\nWhat was intended: -f FILE, --pattern, --owner, or (with only pod names or -l) each pod's last-applied configuration.", 'diff'))
@with_connection_flags
def diff(
    pods: Annotated[Optional[list[str]], typer.Argument(help="Live pod names (default: found from the intended object).")] = None,
    pattern: Annotated[Optional[str], typer.Option("--pattern", help="Compare with this scaffold pattern.")] = None,
    set_values: Annotated[Optional[list[str]], typer.Option("--set", help="KEY=VALUE for --pattern.")] = None,
    owner: Annotated[bool, typer.Option("--owner", help="Compare each pod with its controller's pod template.")] = False,
    live: Annotated[Optional[list[str]], typer.Option("--live", help="Read the live pods from this file instead of the cluster.")] = None,
    output: Annotated[str, typer.Option("-o", "--output", help="text, unified or json.")] = "text",
    ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="Path to ignore, e.g. 'spec.containers[name=*].image'.")] = None,
    server_dry_run: Annotated[bool, typer.Option("--server-dry-run", help="Ask the server what it would make of the manifest (a dryRun=All create: stores nothing, needs create on pods) and compare that.")] = False,
    explain_defaults: Annotated[bool, typer.Option("--explain-defaults", help="List the fields taken as server-filled, with the rule that filled each.")] = False,
    against_context: Annotated[Optional[str], typer.Option("--against-context", help="Compare with the pods of this context's cluster, matched by owner and name.")] = None,
    show_injected: Annotated[bool, typer.Option("--show-injected", help="List each field an injector (Istio, Linkerd, ...) wrote, which is set apart from the drift.")] = False,
    namespace: Namespace = None, all_namespaces: AllNamespaces = False, context: Contexts = None,
    all_contexts: AllContexts = False,
    kubeconfig: Kubeconfig = None, cluster: Cluster = None, user: User = None,
    selector: Selector = None, field_selector: FieldSelector = None,
    request_timeout: RequestTimeout = None, filename: Filename = None, verbose: Verbose = False,
    connection: dict | None = None,
) -> int:
    from kubectl_pods.commands.diff import run

    options = kube_options(namespace, all_namespaces, None, kubeconfig, cluster, user,
                           selector, field_selector, request_timeout, filename, connection)
    return run(names=tuple(pods or ()), pattern=pattern, set_values=set_values or [],
               owner=owner, live_files=live or [], output=output, ignore=ignore or [],
               options=options, server_dry_run=server_dry_run, explain_defaults=explain_defaults,
               contexts=context or [], all_contexts=all_contexts, against_context=against_context,
               show_injected=show_injected)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every failure becomes one `error: ...` line and exit code 2."""
    args = kubectl_habits(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in args or "--verbose" in args or any(
        arg.startswith("--v=") and arg[4:].isdigit() and int(arg[4:]) >= TRACEBACK_LOG_LEVEL for arg in args)
    try:
        result = app(args=args, prog_name=PROG, standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return 130
    except BrokenPipeError:
        return 0  # the reader (`| head`) went away: not an error
    except typer.TyperException as exc:
        if not args or exc.format_message().startswith("Usage:"):
            print(exc.format_message(), file=sys.stderr)  # no arguments: the help text
        else:
            print(f"error: {_unknown_flag(exc) or ' '.join(exc.format_message().split())}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        return report_error(exc, verbose)
    return result if isinstance(result, int) else 0


def _unknown_flag(exc: Exception) -> str | None:
    """kubectl's words for a flag it does not know (`unknown flag: --bogus`), with a suggestion only
    for a near miss: within two edits, cobra's SuggestionsMinimumDistance, not click's loose matches."""
    flag, ctx = getattr(exc, "option_name", None), getattr(exc, "ctx", None)
    if not flag:
        return None
    known = [o for p in (ctx.command.params if ctx else []) for o in getattr(p, "opts", []) if o.startswith("--")]
    near = sorted((distance(flag, option), option) for option in known if distance(flag, option) <= 2)
    return f"unknown flag: {flag}" + (f" (did you mean {near[0][1]}?)" if near else "")


def distance(a: str, b: str) -> int:
    """Levenshtein distance, as cobra's suggestions measure it."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]
