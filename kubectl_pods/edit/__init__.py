"""Editing the user's own manifests (`scaffold -f`, `migrate`): read each document so that it can be
written back as the user wrote it, change only what a plan of edits says, and write atomically."""
