"""``bench.scan --readme`` rewrites its own section of bench/README.md, and only it."""

from __future__ import annotations

from bench.scan import with_section

DOC = "# bench\n\n## Parse\n\nparse figures\n\n## Scans\n\nold run\n\n## Web\n\nweb figures\n"


def test_the_scans_section_is_replaced_not_appended_and_the_others_kept() -> None:
    once = with_section(DOC, "Scans", "new run\n")
    assert once == "# bench\n\n## Parse\n\nparse figures\n\n## Scans\n\nnew run\n\n## Web\n\n" \
                   "web figures\n"
    assert with_section(once, "Scans", "new run\n") == once
    assert once.count("## Scans") == 1


def test_a_missing_section_is_added_at_the_end() -> None:
    out = with_section("# bench\n\n## Parse\n\nx\n", "Scans", "run")
    assert out == "# bench\n\n## Parse\n\nx\n\n## Scans\n\nrun\n"
    assert with_section("", "Scans", "run") == "## Scans\n\nrun\n"
