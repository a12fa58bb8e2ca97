"""One inventory for Ansible and Nornir: load, validate, and derive the address plan."""

from dzict.inventory.build import load_inventory
from dzict.inventory.model import Host, Inventory, Site, WanLink

__all__ = ["Host", "Inventory", "Site", "WanLink", "load_inventory"]
