"""The ``klik`` command line: one click group, its commands in modules by task.

Importing the modules registers their commands on :data:`matcher.cli.base.cli`.
"""

from matcher.cli import batches, matching, models, profiles, service
from matcher.cli.base import Failure, cli, main

__all__ = ["Failure", "batches", "cli", "main", "matching", "models", "profiles", "service"]
