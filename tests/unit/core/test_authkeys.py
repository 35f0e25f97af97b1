"""Tests for app.core.peers.authkeys: parsing, formatting, byte-exact rewrites on real files."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import AlreadyExistsError, AuthorizedKeysError, NotFoundError
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import (
    AuthorizedKeysFile,
    LineError,
    format_entry,
    parse_authorized_keys,
    write_header,
)

A = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
B = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA"
PA, PB = PeerId.parse(A), PeerId.parse(B)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")

SAMPLE = (
    "# my peers\n"
    "\n"
    f"{A}  verified=sha256:0011aabb  # laptop\n"
    "   # indented comment   \n"
    f"{B}\tgroup=deadbeef   # phone # with hash\n"
)


def test_parse_sample() -> None:
    entries, errors = parse_authorized_keys(SAMPLE)
    assert errors == []
    assert [e.peer_id for e in entries] == [PA, PB]
    a, b = entries
    assert a.line == 3
    assert a.verified == "sha256:0011aabb"
    assert a.comment == "laptop"
    assert b.line == 5
    assert b.verified is None
    assert b.attr("group") == "deadbeef"
    assert b.attr("missing") is None
    assert b.comment == "phone # with hash"


def test_parse_reports_bad_lines_and_duplicates() -> None:
    text = f"not-a-peer  # x\n{A}\n{A}  # again\n{B} novalue\n{B} =x key=\n"
    entries, errors = parse_authorized_keys(text)
    assert [e.peer_id for e in entries] == [PA, PB]
    lines = [e.line for e in errors]
    assert 1 in lines  # bad peer ID
    assert 3 in lines  # duplicate
    assert 4 in lines  # attribute without '='
    assert all(isinstance(e, LineError) and e.message for e in errors)
    dup = next(e for e in errors if e.line == 3)
    assert "line 2" in dup.message


def test_crlf_and_no_trailing_newline() -> None:
    entries, errors = parse_authorized_keys(f"# c\r\n{A}  # x\r\n{B}")
    assert errors == []
    assert [(e.peer_id, e.comment, e.line) for e in entries] == [(PA, "x", 2), (PB, "", 3)]


def test_format_entry_order_and_separators() -> None:
    attrs = {"zeta": "1", "group": "ab", "verified": "sha256:1", "expires": "t"}
    line = format_entry(PA, attrs, "c")
    assert line == f"{A}  expires=t  verified=sha256:1  group=ab  zeta=1  # c"
    assert format_entry(PA, (), "") == A


_attr_key = st.from_regex(r"\A[a-z_]{1,10}\Z")
_attr_val = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="#"),
    min_size=1,
    max_size=20,
)
_comment = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="#"),
    max_size=30,
).map(lambda s: " ".join(s.split()))


@settings(max_examples=200)
@given(
    pub=st.binary(min_size=32, max_size=32),
    attrs=st.dictionaries(_attr_key, _attr_val, max_size=5),
    comment=_comment,
)
def test_format_parse_round_trip(pub: bytes, attrs: dict[str, str], comment: str) -> None:
    pid = PeerId.from_ed25519_public_key(pub)
    line = format_entry(pid, attrs, comment)
    entries, errors = parse_authorized_keys(line + "\n")
    assert errors == []
    (entry,) = entries
    assert entry.peer_id == pid
    assert dict(entry.attributes) == attrs
    assert entry.comment == comment


@settings(max_examples=500)
@given(text=st.text(max_size=300))
def test_parse_never_raises(text: str) -> None:
    entries, errors = parse_authorized_keys(text)
    n_lines = text.count("\n") + 1
    assert all(1 <= e.line <= n_lines for e in entries)
    assert all(1 <= e.line <= n_lines for e in errors)
    assert len({e.peer_id for e in entries}) == len(entries)


@settings(max_examples=300)
@given(
    lines=st.lists(
        st.one_of(
            st.sampled_from([A, B, f"{A} k=v", f"{B}  # c", "#", "", "  ", "x=y", f"{A}=1"]),
            st.text(max_size=40),
        ),
        max_size=12,
    )
)
def test_parse_never_raises_on_mixed_lines(lines: list[str]) -> None:
    parse_authorized_keys("\n".join(lines))


# --- the file -------------------------------------------------------------------------------


@pytest.fixture
def akf(tmp_path: Path) -> AuthorizedKeysFile:
    path = tmp_path / "authorized_keys"
    path.write_text(SAMPLE, encoding="utf-8")
    path.chmod(0o600)
    return AuthorizedKeysFile(path)


def test_missing_file_is_empty(tmp_path: Path) -> None:
    f = AuthorizedKeysFile(tmp_path / "authorized_keys")
    assert f.load() == []
    assert f.errors() == []
    assert f.signature() is None


def test_load_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "ak"
    path.write_text(f"{A}\nbogus\n")
    f = AuthorizedKeysFile(path)
    assert [e.peer_id for e in f.load()] == [PA]
    assert [e.line for e in f.errors()] == [2]


def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "ak").mkdir()
    with pytest.raises(AuthorizedKeysError):
        AuthorizedKeysFile(tmp_path / "ak").load()


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "ak"
    path.write_bytes(f"{A}\n\xff\xfe\n".encode("latin-1"))
    with pytest.raises(AuthorizedKeysError, match=":2"):
        AuthorizedKeysFile(path).load()


@posix_only
def test_add_to_missing_file_writes_header(tmp_path: Path) -> None:
    path = tmp_path / "authorized_keys"
    f = AuthorizedKeysFile(path)
    entry = f.add(PA, "home")
    assert entry.peer_id == PA
    assert entry.comment == "home"
    text = path.read_text()
    assert text.startswith("#")
    assert text.endswith(f"{A}  # home\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [e.peer_id for e in f.load()] == [PA]
    assert f.load()[0].line == entry.line


def test_add_keeps_existing_bytes(akf: AuthorizedKeysFile) -> None:
    akf.add(PeerId.from_ed25519_public_key(b"\x01" * 32), "new")
    text = akf.path.read_text()
    assert text.startswith(SAMPLE)
    assert text.count("\n") == SAMPLE.count("\n") + 1


def test_add_without_trailing_newline(tmp_path: Path) -> None:
    path = tmp_path / "ak"
    path.write_text(f"# hi\n{A}")
    AuthorizedKeysFile(path).add(PB)
    assert path.read_text() == f"# hi\n{A}\n{B}\n"


def test_add_duplicate(akf: AuthorizedKeysFile) -> None:
    with pytest.raises(AlreadyExistsError):
        akf.add(PA)


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("my\nlaptop", "my laptop"),
        ("a#b", "ab"),
        ("x\r\ny", "x y"),
        ("nul\x00here", "nulhere"),
        ("  spaced   out ", "spaced out"),
    ],
)
def test_add_sanitises_comment(tmp_path: Path, comment: str, expected: str) -> None:
    f = AuthorizedKeysFile(tmp_path / "ak")
    assert f.add(PA, comment).comment == expected
    (entry,) = f.load()
    assert entry.comment == expected
    assert f.errors() == []


def test_remove_keeps_everything_else(akf: AuthorizedKeysFile) -> None:
    akf.remove(PA)
    assert akf.path.read_text() == SAMPLE.replace(f"{A}  verified=sha256:0011aabb  # laptop\n", "")
    with pytest.raises(NotFoundError):
        akf.remove(PA)


def test_remove_drops_duplicates_too(tmp_path: Path) -> None:
    path = tmp_path / "ak"
    path.write_text(f"{A}\n# keep\n{A}  # dup\n")
    f = AuthorizedKeysFile(path)
    f.remove(PA)
    assert path.read_text() == "# keep\n"


def test_remove_from_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        AuthorizedKeysFile(tmp_path / "ak").remove(PA)


def test_set_attr_rewrites_only_target_line(akf: AuthorizedKeysFile) -> None:
    akf.set_attr(PB, "verified", "sha256:12345678")
    lines = akf.path.read_text().split("\n")
    orig = SAMPLE.split("\n")
    assert lines[:4] == orig[:4]
    assert lines[4] == f"{B}  verified=sha256:12345678  group=deadbeef  # phone # with hash"
    (_, b) = akf.load()
    assert b.verified == "sha256:12345678"
    akf.set_attr(PB, "verified", None)
    assert akf.load()[1].verified is None
    akf.set_attr(PB, "group", "")
    assert akf.load()[1].attributes == ()


def test_set_attr_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "ak"
    path.write_bytes(f"# c\r\n{A}\r\n".encode())
    AuthorizedKeysFile(path).set_attr(PA, "verified", "sha256:aa")
    assert path.read_bytes() == f"# c\r\n{A}  verified=sha256:aa\r\n".encode()


@pytest.mark.parametrize(
    ("key", "value"),
    [("Verified", "x"), ("ver-ified", "x"), ("", "x"), ("k", "a b"), ("k", "a#b"), ("k", "a\nb")],
)
def test_set_attr_rejects_bad_input(akf: AuthorizedKeysFile, key: str, value: str) -> None:
    before = akf.path.read_bytes()
    with pytest.raises(AuthorizedKeysError):
        akf.set_attr(PA, key, value)
    assert akf.path.read_bytes() == before


def test_set_attr_unknown_peer(akf: AuthorizedKeysFile) -> None:
    with pytest.raises(NotFoundError):
        akf.set_attr(PeerId.from_ed25519_public_key(b"\x02" * 32), "verified", "x")


def test_signature_changes_on_write(akf: AuthorizedKeysFile) -> None:
    before = akf.signature()
    assert before is not None
    akf.add(PeerId.from_ed25519_public_key(b"\x03" * 32))
    assert akf.signature() != before


@posix_only
def test_write_header(tmp_path: Path) -> None:
    path = tmp_path / "ak"
    write_header(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entries, errors = parse_authorized_keys(path.read_text())
    assert entries == []
    assert errors == []
    with pytest.raises(AlreadyExistsError):
        write_header(path)


@settings(max_examples=25, deadline=None)  # each example does four fsynced rewrites
@given(
    junk=st.lists(
        st.text(
            alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\n"),
            max_size=30,
        ).map(lambda s: "# " + s),
        max_size=6,
    )
)
def test_comment_lines_survive_every_edit(
    tmp_path_factory: pytest.TempPathFactory, junk: list[str]
) -> None:
    path = tmp_path_factory.mktemp("ak") / "authorized_keys"
    original = "\n".join([*junk, A, *junk, ""])
    path.write_bytes(original.encode("utf-8"))
    f = AuthorizedKeysFile(path)
    f.add(PB, "b")
    f.set_attr(PA, "verified", "sha256:00")
    f.set_attr(PA, "verified", None)
    f.remove(PB)
    assert path.read_bytes() == original.encode("utf-8")
