"""The name NAPALM looks up for `platform: frr` (napalm_<platform>); the driver is dzict's.

napalm.get_network_driver takes the first NetworkDriver subclass it finds in this module, so
nothing else is imported here.
"""

from dzict.napalm_frr import FRRDriver

__all__ = ["FRRDriver"]
