"""Every exception this project raises on purpose.

A task turns these into one clear line for the officer; anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class DzictError(Exception):
    """Base class of the project's own errors (the ticket log, standing alone, has its own:
    dzict.ticketlog.exceptions)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an inventory: the file, the key inside it, and what is wrong."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class InventoryError(DzictError):
    """The inventory is invalid; nothing may be contacted. Carries one Problem per fault."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class AddressPlanError(DzictError):
    """An address cannot be derived from the plan (block exhausted or index out of range)."""


class BackupGateError(DzictError):
    """A change is refused: a host's last good backup is missing or older than the policy.

    ``refusals`` holds one line per host, naming the host and the age of its last good backup.
    """

    def __init__(self, refusals: list[str]) -> None:
        self.refusals = refusals
        super().__init__(
            "no recent backup, change refused:\n"
            + "\n".join(f"  {r}" for r in refusals)
            + "\n  (refresh with `invoke backup.status`; back up with `invoke backup.run`)"
        )


class BackupStatusError(DzictError):
    """The backup status record cannot be read (damaged file or unknown format)."""


class BackupError(DzictError):
    """A backup, check, restore or drill failed; the message says where and why."""


class TicketKeySourceError(DzictError):
    """The ticket log key cannot be read: the key file, or the vault holding it, is unreadable."""


class WanError(DzictError):
    """A WAN provisioning step (render, plan, apply, verify, backup) could not be done."""


class WanIntentError(WanError):
    """A router's intended configuration cannot be computed from the inventory."""

    def __init__(self, host: str, key: str, message: str) -> None:
        self.host = host
        self.key = key
        self.message = message
        super().__init__(f"{host}: {key}: {message}")


class TemplateError(WanError):
    """A configuration template is missing, or refers to a value the intent does not have."""


class RunLockError(WanError):
    """Another apply or rollback holds the run lock; says who holds it and since when."""


class ConfigStoreError(WanError):
    """The configuration backup repository could not be read or written (git failed)."""


class WanPlanError(WanError):
    """A saved WAN plan cannot be used: unreadable, another format, or made for another
    inventory state (then nothing is contacted)."""


class PatchRunError(DzictError):
    """A patch playbook could not be run at all (missing playbook, ansible-runner error)."""


class ScheduleError(DzictError):
    """A schedule in the inventory is invalid or its systemd units cannot be written."""


class LabError(DzictError):
    """The lab could not be built, started, changed or removed."""


class LabPrerequisiteError(LabError):
    """The machine lacks what the lab needs (root, podman, debootstrap); says what to install."""


class PodmanError(LabError):
    """A podman command failed; carries the command and podman's own message."""

    def __init__(self, cmd: list[str], returncode: int, stderr: str) -> None:
        self.cmd = cmd
        self.returncode = returncode
        self.stderr = stderr.strip()
        last = self.stderr.splitlines()[-1] if self.stderr else f"exit status {returncode}"
        super().__init__(f"{' '.join(cmd[:3])}: {last}")


class ImageBuildError(LabError):
    """Building a lab image failed (debootstrap, apt inside the chroot, or podman import)."""


class LabClashError(LabError):
    """A container or network with a lab name exists but is not this lab's; it is left alone."""


class DiscoveryFileError(DzictError):
    """A saved discovery file is missing, unreadable or not in the expected format."""


class DocsError(DzictError):
    """The network documentation cannot be built (bad output folder, Graphviz failed...)."""


class ApError(DzictError):
    """Base class of the access point errors."""


class ApIntentError(ApError):
    """An access point's intended configuration cannot be built from the inventory."""


class ApConfigRejected(ApError):
    """hostapd's own parser (or ``uci``) rejected a rendered configuration; nothing was changed.

    Carries the host, the file and the parser's own messages (``Line 12: unknown ...``).
    """

    def __init__(self, host: str, path: str, messages: list[str]) -> None:
        self.host = host
        self.path = path
        self.messages = messages
        super().__init__(f"{host}: {path} rejected: {'; '.join(messages) or 'no reason given'}")


class ApCommandError(ApError):
    """A command on an access point failed; carries the command, exit status and stderr."""

    def __init__(self, host: str, command: str, status: int, stderr: str) -> None:
        self.host = host
        self.command = command
        self.status = status
        self.stderr = stderr.strip()
        last = self.stderr.splitlines()[-1] if self.stderr else f"exit status {status}"
        super().__init__(f"{host}: `{command.splitlines()[0][:80]}` failed: {last}")


class ApVerifyError(ApError):
    """An access point does not run what was intended after a change (it was rolled back)."""


class RunContextError(DzictError):
    """A setting of the run is unusable: an unknown key, or no officer to name in a change."""


class SelectionError(DzictError):
    """``--limit`` names something the inventory does not hold for this job."""


class DeskError(DzictError):
    """The service desk cannot start or act: a bad setting, an unreadable accounts file."""


class OfficerAccountError(DeskError):
    """An officer's account cannot be created as asked: a bad name, a short password."""


class LoginRefused(DeskError):
    """A login was refused: wrong name or password, or the account is locked for a while."""


class FormRejected(DeskError):
    """A form was refused: `problems` maps each field at fault to one line naming it."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems.values()))


class MailError(DeskError):
    """The desk's mailbox or mail server could not be used: the message names which and why."""


class CalendarError(DeskError):
    """The inventory's service-desk calendar or targets are unusable; the message names the key."""
