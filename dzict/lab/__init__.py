"""The lab: a whole Dzongkhag in podman containers, made from a lab inventory.

Its public face, one module per concern underneath:

* images (``images``: tags and podman's store; ``recipes``, ``hooks``, ``rootfs``, ``build``,
  ``chroot``: how they are made): ``ensure_image``, ``ensure_images``, ``image_ref``,
  ``image_sizes``, ``ROLES``;
* the plan (``specs``): ``lab_settings``, ``networks``, ``plan``, ``container_name``;
* its life: ``up`` (``converge``), ``status`` (``health``), ``down`` (``teardown``),
  ``fault_link`` and ``fault_host`` (``faults``);
* SSH to it (``access``): ``key_pair``, ``known_hosts_path``, ``ssh_check``; one command at a
  time (``lock``): ``lab_lock``.
"""

from dzict.lab.access import key_pair, known_hosts_path, ssh_check
from dzict.lab.converge import UpReport, up
from dzict.lab.faults import fault_host, fault_link
from dzict.lab.health import HostStatus, status
from dzict.lab.images import ensure_image, ensure_images, image_ref, image_sizes, image_tag
from dzict.lab.lock import lab_lock
from dzict.lab.recipes import ROLES
from dzict.lab.specs import LABEL, container_name, lab_settings, lan_interface, networks, plan
from dzict.lab.teardown import down

__all__ = [
    "LABEL",
    "ROLES",
    "HostStatus",
    "UpReport",
    "container_name",
    "down",
    "ensure_image",
    "ensure_images",
    "fault_host",
    "fault_link",
    "image_ref",
    "image_sizes",
    "image_tag",
    "key_pair",
    "known_hosts_path",
    "lab_lock",
    "lab_settings",
    "lan_interface",
    "networks",
    "plan",
    "ssh_check",
    "status",
    "up",
]
