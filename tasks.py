"""Invoke tasks of the Dzongkhag ICT automation: `invoke --list` shows them all.

This file only assembles the collections; the work is in the ``dzict`` package.
"""

from invoke.collection import Collection

from dzict.tasks import inventory, main

ns = Collection(main.demo, main.run_tests, inventory.ns, *main.collections())
