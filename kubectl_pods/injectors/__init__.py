"""Sidecars written by admission webhooks (Istio, Linkerd, Vault Agent, ...): the catalogue of
injectors and the recognition of their work on a pod.

API (pure functions over plain dicts; the catalogue is packaged data read once, on first use):

- `catalogue() -> dict[str, Injector]`: every injector by short name (`istio`, `linkerd`, ...).
- `injector(name) -> Injector`: one entry. `Injector.data` is its YAML (schema in
  `docs/injectors.md`); `Injector.native_switch` is `modes.native.switch` (`{kind, key, value,
  where}`: what turns native-sidecar injection on), `Injector.native_since` is `modes.native.since`
  (`{injector, kubernetes}`), both None for an injector without a native mode;
  `Injector.hazard(code)` is a hazard's entry (`fix`, `switch`, `since`, `source`) or None.
- `recognise(pod, outer_metadata=()) -> list[Injection]`: the injections found on a Pod (or a Pod
  built from a template; `outer_metadata` adds an enclosing template's metadata, e.g. a CronJob's
  `spec.jobTemplate.metadata`). Only by the injector's markers; a container name alone never
  attributes. `Injection`: `name`, `version` (or None), `mode` (`regular` | `native` |
  `init-only` | None), `containers` (`InjectedContainer`: `name`, `list`, `kind`, `index`),
  `marker` (e.g. `annotation sidecar.istio.io/status`), `as_report(title, notes)` for JSON.
- `injected_by(injections) -> {container name: injector name}`.
"""

from kubectl_pods.injectors.catalogue import CatalogueError, Injector, catalogue, injector
from kubectl_pods.injectors.recognise import (
    INIT_ONLY,
    NATIVE,
    REGULAR,
    InjectedContainer,
    Injection,
    injected_by,
    recognise,
)

__all__ = ["CatalogueError", "Injector", "catalogue", "injector", "INIT_ONLY", "NATIVE", "REGULAR",
           "InjectedContainer", "Injection", "injected_by", "recognise"]
