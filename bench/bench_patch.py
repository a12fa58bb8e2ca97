"""No-op converge of every PC and server of a running lab: the project's ansible.cfg against
stock Ansible defaults (and the mitogen strategy on top), measured side by side in one run.

The converge is playbooks/patch_report.yml (apt cache check, pending-update search; nothing
changes), or with ``--playbook patch.yml`` the whole patch run on a lab that is already patched
(backup gate, baseline, patch, health checks in rolling batches; nothing changes either).
Each configuration runs ``--rounds`` times, alternating; the best round of each is compared.

    python bench/bench_patch.py [-i inventory/lab] [--rounds 2] [--playbook patch.yml]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import ansible_mitogen

from dzict.patch.runner import ANSIBLE_CFG, run_playbook


def mitogen_env() -> dict[str, str]:
    """Environment that switches Ansible to the mitogen_linear strategy (mitogen 0.3, a test
    dependency: the project does not enable it, see ansible.cfg)."""
    plugins = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(plugins), "ANSIBLE_STRATEGY": "mitogen_linear"}


def one(playbook: str, inventory: Path, config: Path | None, env: dict[str, str]) -> float:
    """Seconds one converge takes; fails loudly when a host fails."""
    started = time.monotonic()
    run = run_playbook(playbook, inventory, config=config, env=env)
    took = time.monotonic() - started
    if run.rc != 0:
        raise SystemExit(f"the converge failed (rc {run.rc}); is the lab up?")
    return took


def main() -> None:
    """Measure and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-i", "--inventory", type=Path, default=Path("inventory/lab"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--playbook", default="patch_report.yml")
    args = parser.parse_args()
    configs = {
        "stock Ansible defaults": (None, {}),
        "project ansible.cfg": (ANSIBLE_CFG, {}),
        "project ansible.cfg + mitogen_linear": (ANSIBLE_CFG, mitogen_env()),
    }
    best: dict[str, float] = {}
    for n in range(args.rounds):
        for name, (config, env) in configs.items():
            took = one(args.playbook, args.inventory, config, env)
            best[name] = min(best.get(name, took), took)
            print(f"round {n + 1}: {name}: {took:.1f} s", flush=True)
    stock = best["stock Ansible defaults"]
    for name, took in best.items():
        print(f"{name:40} {took:6.1f} s   {stock / took:4.1f}x")


if __name__ == "__main__":
    main()
