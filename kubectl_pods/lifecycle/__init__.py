"""The kubelet's and the API server's rules, as pure functions; one file per section of
`docs/lifecycle.md`."""
