"""NAPALM driver for FRRouting (platform `frr`): see napalm_frr.driver.

NAPALM looks the driver up as `napalm_<platform>`, so `platform: frr` works with
napalm.get_network_driver and nornir_napalm wherever this package is importable. The package
stands alone (napalm and paramiko only): its exceptions in napalm_frr.exceptions, its SSH layer
in napalm_frr.ssh.

napalm.get_network_driver takes the first NetworkDriver subclass it finds in this module, so
nothing else is imported here.
"""

from napalm_frr.driver import FRRDriver

__all__ = ["FRRDriver"]
