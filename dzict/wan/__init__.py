"""WAN provisioning: intended router configuration, rendering, rollout, backups, verification."""
