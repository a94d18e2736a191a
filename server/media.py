"""Where this process keeps photos: the store named by the settings (routes, jobs and the CLI share it)."""

from pathlib import Path

from inspection.photos.storage import FileSystemStore, PhotoStore
from server.settings import get_settings


def photo_store() -> PhotoStore:
    return FileSystemStore(Path(get_settings().media_dir) / "photos")
