"""The ingest tests' small world and GitHub fake, for the replica tests."""

from tests.ingest.conftest import fake, world_dir

__all__ = ["fake", "world_dir"]
