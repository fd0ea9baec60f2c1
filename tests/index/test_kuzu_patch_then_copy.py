"""Regression test for a Kùzu 0.11.3 segfault: a transaction that patched a file's nodes in place and then
COPYed rel rows crashed at COMMIT (docs/architecture.md, "Delta indexing"). It reproduced on the stdlib with
this exact sequence: a full index, then three edits that each append a function to a file and are undone.
The run happens in a child process, so a crash fails this test instead of killing the test session."""
from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

STDLIB = Path(sysconfig.get_paths()["stdlib"])
EDITED = ("encodings/cp1251.py", "cgitb.py", "sysconfig.py")     # the sequence that crashed, in order

SCRIPT = textwrap.dedent("""
    import shutil, sys
    from pathlib import Path
    import graphbuddy

    src, corpus, store = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    for p in src.rglob("*.py"):
        rel = p.relative_to(src)
        if rel.parts[0] in ("site-packages", "dist-packages") or "__pycache__" in rel.parts:
            continue
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, corpus / rel)
    gb = graphbuddy.open(store)
    gb.index(corpus, project="stdlib")
    for i, rel in enumerate(sys.argv[4:]):
        target = corpus / rel
        original = target.read_bytes()
        target.write_bytes(original + f"\\n\\ndef _bench_added_{i}():\\n    return len([])\\n".encode())
        assert gb.index(corpus, project="stdlib").files_parsed == 1
        target.write_bytes(original)
        assert gb.index(corpus, project="stdlib").files_parsed == 1
    gb.close()
    print("closed")
""")


@pytest.mark.slow
@pytest.mark.skipif(not all((STDLIB / rel).exists() for rel in EDITED),
                    reason="this interpreter's stdlib lacks a file of the crashing sequence")
def test_a_delta_that_patches_then_rewires_many_calls_commits(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(STDLIB), str(tmp_path / "stdlib"),
                          str(tmp_path / "store"), *EDITED], capture_output=True, text=True, timeout=900)
    assert out.returncode == 0 and out.stdout.strip().endswith("closed"), (out.returncode, out.stderr[-2000:])
