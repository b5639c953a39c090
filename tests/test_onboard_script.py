"""scripts/onboard-new-engineer.sh on a machine where `profiles` is not installed yet."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "onboard-new-engineer.sh"


def test_without_profiles_installed_the_script_says_how_the_readme_installs_it(tmp_path: Path) -> None:
    key = tmp_path / "Bob_accessKeys.csv"
    key.write_text("Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,x\n")
    bin_dir = tmp_path / "bin"  # bash and the few tools the script uses, but no `profiles`
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    ran = subprocess.run(
        [str(bin_dir / "bash"), str(SCRIPT), str(key)],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_dir)},
        timeout=30,
    )
    assert ran.returncode == 2
    assert "pip install awsprofiles" not in ran.stderr  # not a published package
    assert f"pipx install {ROOT}" in ran.stderr
    assert "pipx install ." in (ROOT / "README.md").read_text()  # the README's own way
