"""One line for each thing a command could not read, and what the answer does without it."""

from __future__ import annotations

CONSEQUENCES = {
    "events": "events are not shown",
    "limitranges": "LimitRanger's defaults are taken from the pods' own annotations",
    "replicasets": "owners are not compared; drift is read from the pods' managedFields",
    "deployments": "the Deployment is not compared, nor revisions shown",
    "statefulsets": "owners are not compared; drift is read from the pods' managedFields",
    "daemonsets": "owners are not compared; drift is read from the pods' managedFields",
    "jobs": "owners are not compared; drift is read from the pods' managedFields",
    "cronjobs": "the CronJob is not compared",
    "nodes": "whether the pod's node exists and is Ready is not checked",
    "version": "the newest supported Kubernetes version is assumed",
}


# What the server answered, as its Status reason; nothing is said about why (RBAC, a webhook...).
ANSWERS = {"forbidden": "403 Forbidden"}


def unavailable_lines(unavailable: list[dict]) -> list[str]:
    lines = []
    for note in unavailable:
        where = f" in {note['namespace']}" if note.get("namespace") else ""
        consequence = CONSEQUENCES.get(note["what"], "answered without it")
        lines.append(f"{note['what']} not read: the server refused to give {note['what']}{where} "
                     f"({ANSWERS.get(note['reason'], note['reason'])}); {consequence}")
    return lines
