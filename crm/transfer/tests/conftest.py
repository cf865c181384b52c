from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def import_dir(settings: Any, tmp_path: Path) -> Path:
    """Uploads of the tests are stored under the test's own folder."""
    settings.CRM_IMPORT_DIR = tmp_path / "imports"
    return tmp_path / "imports"
