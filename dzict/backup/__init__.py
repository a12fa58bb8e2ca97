"""Backups with restic: status, checks, restores, drills and the backup-before-change gate."""
