"""The service desk: a web face on the ticket log for the agencies and the unit's officers.

Agencies send requests through ``/request`` and follow them at ``/t/<token>``; officers log in,
work the queue, take, assign, note and close tickets, and see every change recorded under a
ticket. The ticket log stays the one record: everything the desk shows is folded from it.
"""

from dzict.desk.app import create_app
from dzict.desk.config import DeskConfig, desk_config

__all__ = ["DeskConfig", "create_app", "desk_config"]
