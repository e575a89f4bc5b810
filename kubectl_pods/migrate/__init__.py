"""`kubectl pods migrate`: legacy sidecars made native sidecars."""
