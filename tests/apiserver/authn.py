"""Who a request to the test API server is, and whether it may: authentication as
kube-apiserver's union of authenticators does it (x509 client certificate, then bearer token),
impersonation and RBAC (tests/apiserver/rbac.py). A mixin of the server's request handler."""

from __future__ import annotations

from tests.apiserver.rbac import (USER, Identity, RoleBinding, allowed, forbidden_message, impersonation_requests,
                                  request_attributes)


def status_body(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


class Authorizing:
    """Needs `self.server.state` (ApiServerState), `self.headers`, `self.connection`,
    `self.command` and `self._send` of the handler it is mixed into."""

    def _bindings(self, identity: Identity) -> list[RoleBinding] | None:
        """What `identity` may do; None when the server runs without RBAC (everything)."""
        state = self.server.state
        if state.rbac is None and not state.grants:
            return None
        found = [state.rbac] if state.rbac is not None and identity.user == USER else []
        return found + [binding for subject, binding in state.grants.items()
                        if subject == identity.user
                        or (subject.startswith("group:") and subject.removeprefix("group:") in identity.groups)]

    def _authenticated(self) -> Identity | None:
        """kube-apiserver's union of authenticators, in its order: x509, then bearer token."""
        state = self.server.state
        authorization = self.headers.get("Authorization") or ""
        if state.token:  # the plain mode's one token
            return Identity() if authorization == f"Bearer {state.token}" else None
        certificate = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
        if certificate:
            subject = [pair for rdn in certificate.get("subject", ()) for pair in rdn]
            user = next((value for key, value in subject if key == "commonName"), "")
            with state.lock:
                self.recorded.client_certificate_user = user
            return Identity(user, tuple(value for key, value in subject if key == "organizationName"))
        if authorization.startswith("Bearer ") and authorization[len("Bearer "):] in state.tokens:
            return state.tokens[authorization[len("Bearer "):]]
        return None if state.authenticate else Identity()

    def _who(self) -> Identity | None:
        """Who the request is served as, or None once it has been answered 401 or 403."""
        identity = self._authenticated()
        if identity is None:
            self._send(401, status_body(401, "Unauthorized", "Unauthorized"))
            return None
        user, uid = self.headers.get("Impersonate-User"), self.headers.get("Impersonate-Uid")
        groups = self.headers.get_all("Impersonate-Group") or []
        if user or groups or uid:
            bindings = self._bindings(identity)
            for asked in impersonation_requests(user, groups, uid):
                if bindings is not None and not allowed(bindings, asked):
                    body = status_body(403, "Forbidden", forbidden_message(asked, identity.user))
                    body["details"] = {"name": asked.name, "kind": asked.resource}
                    self._send(403, body)
                    return None
            identity = Identity(user or "", (*groups, "system:authenticated"))
        with self.server.state.lock:
            self.recorded.identity = identity
        return identity

    def _forbidden(self, path: str, query: dict, identity: Identity) -> bool:
        """RBAC mode: answer 403 unless a bound role allows the request (tests/apiserver/rbac.py)."""
        bindings = self._bindings(identity)
        if bindings is None:
            return False
        request = request_attributes(self.command, path, query)
        if allowed(bindings, request):
            return False
        body = status_body(403, "Forbidden", forbidden_message(request, identity.user))
        body["details"] = {"kind": request.resource, **({"group": request.group} if request.group else {})}
        self._send(403, body)
        return True

