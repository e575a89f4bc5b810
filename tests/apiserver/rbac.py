"""RBAC for the test API server: a request is allowed only if one rule of a Role (bound in one
namespace) or ClusterRole (bound cluster-wide) allows it, as the real authorizer decides.

- request attributes as `staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go`
  (RequestInfoFactory.NewRequestInfo) derives them: GET of an item is `get`, of a collection
  `list` (`watch` with watch=true), POST `create`; `/version` and the discovery documents are
  non-resource URLs;
- rule matching as `plugin/pkg/auth/authorizer/rbac/rbac.go` RuleAllows (VerbMatches,
  APIGroupMatches, ResourceMatches, NonResourceURLMatches; `*` matches all);
- discovery (`/api`, `/apis`, `/api/v1`, `/apis/G/V`) is allowed to every authenticated user, as
  the `system:discovery` and `system:public-info-viewer` ClusterRoles do by default;
- the 403 answer in the words of `responsewriters.ForbiddenStatusError`:
  `pods is forbidden: User "tester" cannot list resource "pods" in API group "" in the namespace "x"`;
- impersonation as `staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go` checks
  it: the requester needs `impersonate` on `users` (by name), `groups`, and `uids` (API group
  `authentication.k8s.io`), and the request is then authorized as the impersonated user, who is
  in the impersonated groups and `system:authenticated`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

USER = "tester"


@dataclass(frozen=True)
class Identity:
    user: str = USER
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attributes:
    verb: str
    group: str | None  # None: a non-resource URL
    resource: str
    namespace: str | None
    path: str
    name: str | None = None


def request_attributes(method: str, path: str, query: dict) -> Attributes:
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if parts and parts[0] == "api" and len(parts) >= 3:
        group, rest = "", parts[2:]
    elif parts and parts[0] == "apis" and len(parts) >= 4:
        group, rest = parts[1], parts[3:]
    else:
        return Attributes(method.lower(), None, "", None, path)
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    if method == "POST":
        verb = "create"
    elif len(rest) >= 2:
        verb = "get"
    else:
        verb = "watch" if query.get("watch") in ("true", "1") else "list"
    return Attributes(verb, group, rest[0], namespace, path)


def _matches(values: list, wanted: str) -> bool:
    return "*" in values or wanted in values


def rule_allows(rule: dict, request: Attributes) -> bool:
    if not _matches(rule.get("verbs") or [], request.verb):
        return False
    if request.group is None:
        return any(url == request.path or (url.endswith("*") and request.path.startswith(url[:-1]))
                   for url in rule.get("nonResourceURLs") or [])
    return _matches(rule.get("apiGroups") or [], request.group) and _matches(rule.get("resources") or [], request.resource)


def is_discovery(path: str) -> bool:
    parts = path.strip("/").split("/")
    return parts in (["api"], ["apis"], ["api", "v1"], ["version"]) or (parts[0] == "apis" and len(parts) in (2, 3))


@dataclass
class RoleBinding:
    """The rules of one Role bound in `namespace`, or of a ClusterRole bound cluster-wide (None)."""

    rules: list[dict]
    namespace: str | None = None

    def allows(self, request: Attributes) -> bool:
        if request.group is None:
            return is_discovery(request.path) or (self.namespace is None and
                                                  any(rule_allows(r, request) for r in self.rules))
        if self.namespace is not None and request.namespace != self.namespace:
            return False
        return any(rule_allows(rule, request) for rule in self.rules)


def allowed(bindings: list[RoleBinding], request: Attributes) -> bool:
    return any(binding.allows(request) for binding in bindings) or (
        request.group is None and is_discovery(request.path))


def impersonation_requests(user: str | None, groups: list[str], uid: str | None) -> list[Attributes]:
    """What impersonating asks the authorizer (impersonation.go buildImpersonationRequests)."""
    asked = [Attributes("impersonate", "", "users", None, "", user)] if user else []
    asked += [Attributes("impersonate", "", "groups", None, "", group) for group in groups]
    if uid:
        asked.append(Attributes("impersonate", "authentication.k8s.io", "uids", None, "", uid))
    return asked


def forbidden_message(request: Attributes, user: str = USER) -> str:
    if request.group is None:
        return f'forbidden: User "{user}" cannot {request.verb} path "{request.path}"'
    where = f'in the namespace "{request.namespace}"' if request.namespace else "at the cluster scope"
    what = f'{request.resource} "{request.name}"' if request.name else request.resource
    return (f'{what} is forbidden: User "{user}" cannot {request.verb} resource '
            f'"{request.resource}" in API group "{request.group}" {where}')


@dataclass
class Bindings:
    """Several bindings of one user: a request is allowed if any of them allows it."""

    bindings: list[RoleBinding]

    def allows(self, request: Attributes) -> bool:
        return any(binding.allows(request) for binding in self.bindings)
