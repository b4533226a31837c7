"""Kafka's jars, fetched once from Maven Central with Maven and cached.

The pinned ``deploy/local/kafka/pom.xml`` lists the broker and a log4j2 backend for SLF4J;
Maven copies them into ``.cache/kafka/<version>/lib``. A marker file written after a complete
copy makes the next start skip Maven entirely.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

KAFKA_DIR = Path(__file__).resolve().parents[2] / "kafka"
POM = KAFKA_DIR / "pom.xml"
LOG4J_CONFIG = KAFKA_DIR / "log4j2.properties"
REPO_ROOT = Path(__file__).resolve().parents[4]


def kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    if match is None:
        raise RuntimeError(f"no kafka.version in {POM}")
    return match.group(1)


def cache_dir(root: Path = REPO_ROOT) -> Path:
    """One folder per version and per content of the pom (a new dependency fetches again)."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    return root / ".cache" / "kafka" / f"{kafka_version()}-{digest}"


def ensure_jars(root: Path = REPO_ROOT) -> Path:
    """The folder of the broker's jars, downloading them with Maven the first time."""
    lib = cache_dir(root) / "lib"
    marker = cache_dir(root) / "complete.txt"
    if marker.exists() and all((lib / name).exists() for name in marker.read_text().split()):
        return lib
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed once to fetch Kafka's jars")
    tmp = lib.with_name("lib.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - mvn from PATH
            "mvn",
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    shutil.rmtree(lib, ignore_errors=True)
    tmp.rename(lib)
    marker.write_text("\n".join(sorted(p.name for p in lib.glob("*.jar"))))
    return lib
