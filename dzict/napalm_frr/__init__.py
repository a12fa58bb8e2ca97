"""NAPALM driver for FRRouting (platform `frr`): see dzict.napalm_frr.driver.

NAPALM finds it as `napalm_frr` (the top-level `napalm_frr` package of this repository only
re-exports FRRDriver), so `platform: frr` works with napalm.get_network_driver and nornir_napalm.
"""

from dzict.napalm_frr.driver import FRRDriver

__all__ = ["FRRDriver"]
