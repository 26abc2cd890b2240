"""Images a server returns are kept as files, and only the newest few: nothing grows for weeks."""

from __future__ import annotations

import base64
from pathlib import Path

from mcp import types

from orchestra.tools.mcp_content import _part


def test_the_scratch_directory_keeps_only_the_newest_files(tmp_path: Path) -> None:
    for n in range(140):
        image = types.ImageContent(
            type="image", data=base64.b64encode(f"png {n}".encode()).decode(), mimeType="image/png"
        )
        part = _part(image, tmp_path)
        assert Path(part["path"]).exists()
    assert len(list(tmp_path.iterdir())) == 128
