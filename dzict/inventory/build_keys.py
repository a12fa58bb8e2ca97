"""The inventory's unknown keys and the values Ansible could not template."""

from __future__ import annotations

from dzict.inventory import variables
from dzict.inventory.build_base import BuilderBase
from dzict.inventory.build_pieces import SITE_KEYS
from dzict.inventory.loader import TemplateFailure
from dzict.inventory.model import SITE_PREFIX

PLAN_FILTER = "dzict_"  # the address plan's filters (dzict.ansible_plugins.filter)


class KeyChecks(BuilderBase):
    """Unknown (misspelt) variables, and template failures the address plan does or does not
    explain."""

    def unknown_keys(self) -> None:
        """Every top-level variable is known (``dzict.inventory.variables``)."""
        known = variables.known_variables()
        index = self.view.index
        for (scope, name, key), file in sorted(index.keys.items()):
            if variables.is_known(key):
                continue
            hint = variables.suggest(key, known)
            self.found.at(
                file,
                self.found.label((scope, name), file, key),
                variables.unknown_message(key, hint),
            )
            if hint in variables.MODEL:
                self.found.suggested[(scope, name)].add(hint)
                self.mark_misspelt(scope, name)

    def mark_misspelt(self, scope: str, name: str) -> None:
        """A misspelt model key leaves its hosts (or the whole plan) out of later checks."""
        if scope == "host":
            self.found.faulty_hosts.add(name)
        elif name == "all":
            self.found.plan_faulty = True
        else:
            self.found.faulty_hosts |= set(self.view.groups.get(name, []))
            if name.startswith(SITE_PREFIX):
                self.found.faulty_sites.add(name.removeprefix(SITE_PREFIX))

    def plain_failures(self) -> None:
        """Values Ansible could not template that the address plan does not explain."""
        for failure in self.view.failures:
            if not self.is_derived(failure) or (failure.undefined or "").startswith("vault_"):
                self.found.add(failure.key, failure.message, host=failure.host)

    def is_derived(self, failure: TemplateFailure) -> bool:
        """True for an address the plan's filters derive (directly or through a reference)."""
        chain = self.view.chain(failure.host)
        return self.view.index.derived(failure.key, chain, PLAN_FILTER)

    def derived_failures(self) -> None:
        """Addresses the plan could not derive, when no problem found so far explains them."""
        for failure in self.view.failures:
            if not self.is_derived(failure) or (failure.undefined or "").startswith("vault_"):
                continue
            if not self.found.host_ok(failure.host, self.site_of.get(failure.host)):
                continue
            missing = failure.undefined
            if missing and missing in SITE_KEYS.values():
                group = SITE_PREFIX + self.site_of[failure.host]
                self.found.add(missing, "required key is missing", group=group)
            elif missing:
                self.found.add(missing, "required key is missing", host=failure.host)
            else:
                self.found.add(
                    failure.key,
                    f"{failure.message} ({{about}})",
                    host=failure.host,
                    about=("host", failure.host),
                )
