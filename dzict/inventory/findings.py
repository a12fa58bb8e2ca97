"""The problems found in an inventory, each blamed on the file that set the value.

A check says *what* is wrong with which key of which host, site or of the Dzongkhag; this module
finds *where* to fix it (``SourceIndex``): the host's own file when the host sets the value, the
site's file for a site's value, the shared file only when the value really comes from there.

A check may also mark a host, a site, a WAN link or the address plan as faulty: checks that
depend on it skip it, so that one mistake is reported once, not once per derived value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from dzict.exceptions import Problem
from dzict.inventory.loader import AnsibleView
from dzict.inventory.sources import Scope, top_key

Subject = tuple[str, str]
"""("site", key) or ("host", name): what a problem is about, when its file does not say."""


def phrase(subjects: list[Subject]) -> str:
    """``site guma``, ``sites guma, hq``; ``hosts a, b``."""
    kinds = sorted({kind for kind, _ in subjects})
    parts = []
    for kind in kinds:
        names = sorted({name for k, name in subjects if k == kind})
        parts.append(f"{kind} {names[0]}" if len(names) == 1 else f"{kind}s {', '.join(names)}")
    return "; ".join(parts)


@dataclass
class Findings:
    """Problems of one inventory, with what each check learnt about faulty parts."""

    view: AnsibleView
    problems: list[Problem] = field(default_factory=list)
    grouped: dict[tuple[str, str, str], list[Subject]] = field(
        default_factory=lambda: defaultdict(list)
    )
    representative: dict[str, str] = field(default_factory=dict)
    faulty_hosts: set[str] = field(default_factory=set)
    faulty_sites: set[str] = field(default_factory=set)
    faulty_links: set[int] = field(default_factory=set)
    plan_faulty: bool = False
    suggested: dict[Scope, set[str]] = field(default_factory=lambda: defaultdict(set))

    # -- where ----------------------------------------------------------------------------------

    def chain(self, host: str | None = None, group: str | None = None) -> list[Scope]:
        """Where a value of a host (or of a group, as its first member sees it) comes from."""
        if host:
            return self.view.chain(host)
        if group is not None:
            members = self.view.groups.get(group) or sorted(self.view.hosts)
            member = self.representative.get(group) or next(iter(members), None)
            if member in self.view.hosts:
                return self.view.chain(member)
        return [("group", group or "all")]

    def where(self, key: str, host: str | None = None, group: str | None = None) -> tuple[str, str]:
        """The file to fix and the key as the officer finds it there."""
        index = self.view.index
        shown, found = index.resolve(key, self.chain(host, group))
        if found is None:
            scope: Scope = ("host", host) if host else ("group", group or "all")
            file = index.own_file(scope)
            return file, self.label(scope, file, key)
        file = index.keys[(*found, top_key(shown))]
        return file, self.label(found, file, shown)

    def label(self, scope: Scope, file: str, key: str) -> str:
        """In the hosts file, a host's or group's key is prefixed with its name."""
        name = scope[1]
        if file != self.view.index.hosts_file() or name == "all" or key.startswith(f"{name}."):
            return key
        return f"{name}.{key}"

    # -- what -----------------------------------------------------------------------------------

    def add(
        self,
        key: str,
        message: str,
        host: str | None = None,
        group: str | None = None,
        about: Subject | None = None,
    ) -> None:
        """Record a problem of ``key`` for that host or group (``about`` fills ``{about}``)."""
        file, shown = self.where(key, host, group)
        if about is None:
            self.problems.append(Problem(file, shown, message))
        else:
            self.grouped[(file, shown, message)].append(about)

    def at(self, file: str, key: str, message: str) -> None:
        """Record a problem whose file is already known."""
        self.problems.append(Problem(file, key, message))

    def all(self) -> list[Problem]:
        """Every problem; those about several sites or hosts of one value in one line."""
        merged = [
            Problem(file, key, message.replace("{about}", phrase(subjects)))
            for (file, key, message), subjects in self.grouped.items()
        ]
        return sorted(set(self.problems + merged))

    def __bool__(self) -> bool:
        return bool(self.problems or self.grouped)

    # -- faults ---------------------------------------------------------------------------------

    def site_ok(self, site: str | None) -> bool:
        """True when nothing already reported makes this site's derived values unreliable."""
        return site is not None and not self.plan_faulty and site not in self.faulty_sites

    def host_ok(self, host: str, site: str | None) -> bool:
        """True when nothing already reported makes this host's derived values unreliable."""
        return host not in self.faulty_hosts and self.site_ok(site)
