"""The lab: a whole Dzongkhag in podman containers (images, podman, up/status/down/fault)."""
