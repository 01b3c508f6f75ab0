"""The package installs as a wheel: built from the tree, installed into a fresh venv outside the checkout, it
migrates, seeds, exports and answers a request with nothing of the checkout on its path."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = json.loads((ROOT / "seed" / "annex.json").read_text("utf-8"))
REQUEST = """
from registry import create_app
response = create_app().test_client().get("/api/v1/powers", query_string={"q": "取水许可", "per_page": 5})
print(response.status_code, response.get_json()["total"])
"""


def run(argv: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        cwd=out, env=dict(os.environ))
    [built] = out.glob("*.whl")
    return built


def test_the_wheel_holds_every_module_migration_and_the_seed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tree = {p.relative_to(ROOT).as_posix() for p in (ROOT / "registry").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    tree |= {f"registry/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / "migrations").rglob("*.py")
             if "__pycache__" not in p.parts}
    tree |= {"registry/migrations/script.py.mako", "registry/seed/annex.json"}
    assert tree - names == set()


def test_an_installed_wheel_inits_seeds_exports_and_serves(wheel: Path, tmp_path: Path) -> None:
    home = tmp_path / "venv"
    venv.create(home, with_pip=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "REGISTRY_"))}
    env |= {"REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.sqlite3'}",
            "REGISTRY_SECRET_KEY": "wheel-test", "REGISTRY_AUDIT_KEY": "wheel-test"}
    run([str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path, env=env)
    registry = str(home / "bin" / "registry")
    assert "latest migration" in run([registry, "init-db"], cwd=tmp_path, env=env)
    assert "created 1 decision(s)" in run([registry, "seed"], cwd=tmp_path, env=env)
    rows = list(csv.reader(io.StringIO(run([registry, "export"], cwd=tmp_path, env=env).lstrip("\ufeff"))))
    assert rows[0][:2] == ["序号", "事项名称"] and {r[1] for r in rows[1:]} == {p["name"] for p in SOURCE["powers"]}
    status, total = run([str(home / "bin" / "python"), "-c", REQUEST], cwd=tmp_path, env=env).split()
    assert (status, int(total)) == ("200", sum("取水许可" in p["name"] for p in SOURCE["powers"]))
    where = run([str(home / "bin" / "python"), "-c", "import registry; print(registry.__file__)"], cwd=tmp_path,
                env=env)
    assert str(home) in where and str(ROOT) not in where
