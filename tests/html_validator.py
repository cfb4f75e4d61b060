"""The Nu HTML Checker (vnu.jar) on HTML documents, all of them in one Java process.

scripts/bootstrap.sh installs the checker from the npm registry (tests/tools, the ``vnu-jar``
package) and Debian's Java runtime (``default-jre-headless``). Without either, the calling
test is skipped, or fails in CI (where the bootstrap installs everything).

    errors = validate({"home": html, "login": other_html})
    assert not any(errors.values()), describe(errors)
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

VNU_JAR = (
    Path(__file__).parent / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)
TIMEOUT = 600  # seconds, for the whole batch
# A short run is mostly start-up and warm-up: the quick compiler alone (C1) checks the 104
# pages of tests/test_html_validity.py in a third of the time and CPU; it needs a deeper
# thread stack than the checker's 512k minimum (StackOverflowError at 1m).
JAVA_OPTIONS = ["-Xss8m", "-XX:TieredStopAtLevel=1"]


def _missing(reason: str) -> None:
    """Skip locally; in CI (where scripts/bootstrap.sh installs everything) fail."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def validate(documents: dict[str, str]) -> dict[str, list[str]]:
    """The checker's errors for each document, by name ("line N: message"); a valid
    document has an empty list. Names are free text: files are numbered on disk."""
    java = shutil.which("java")
    if java is None:
        _missing("java is not installed (scripts/bootstrap.sh installs default-jre-headless)")
    if not VNU_JAR.is_file():
        _missing(f"{VNU_JAR} is missing (scripts/bootstrap.sh installs it with npm ci)")
    errors: dict[str, list[str]] = {name: [] for name in documents}
    if not documents:
        return errors
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        names = {}
        for number, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"{number:04d}.html"
            path.write_text(html, encoding="utf-8")
            names[path.resolve()] = name
        command = [java, *JAVA_OPTIONS, "-jar", str(VNU_JAR), "--format", "json"]
        command += ["--errors-only", *map(str, names)]
        run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    if run.returncode not in (0, 1):  # 1: errors were found
        raise RuntimeError(f"vnu.jar exited with {run.returncode}:\n{run.stderr}{run.stdout}")
    for message in json.loads(run.stderr)["messages"]:
        path = Path(unquote(urlsplit(message.get("url", "")).path)).resolve()
        if message["type"] != "error" or path not in names:
            # "non-document-error" (a file not read, a checker failure): never a pass.
            raise RuntimeError(f"vnu.jar could not check a document: {message}")
        line = message.get("lastLine", message.get("firstLine", "?"))
        errors[names[path]].append(f"line {line}: {message['message']}")
    return errors


def describe(errors: dict[str, list[str]]) -> str:
    """The documents that have errors, each followed by its errors."""
    blocks = [
        f"{name}:\n" + "\n".join(f"    {error}" for error in found)
        for name, found in errors.items()
        if found
    ]
    return "\n".join(blocks)
