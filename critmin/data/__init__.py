"""The packaged default dataset and the user's own: read, validate, load, save."""

from critmin.data.load import load, packaged_path
from critmin.data.save import save

__all__ = ["load", "packaged_path", "save"]
