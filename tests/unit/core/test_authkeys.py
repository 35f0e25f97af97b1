"""Tests for app.core.peers.authkeys: parsing, formatting, byte-exact rewrites on real files."""

from __future__ import annotations

import stat
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import (
    AlreadyExistsError,
    AuthorizedKeysError,
    NotFoundError,
    UnsafeFileError,
)
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import (
    AuthorizedKeysFile,
    LineError,
    format_entry,
    format_expires,
    parse_authorized_keys,
    parse_expires,
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


# expires= must be a time (a damaged one is reported): its round trip is tested below.
_attr_key = st.from_regex(r"\A[a-z_]{1,10}\Z").filter(lambda k: k != "expires")
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


# --- expires= (untrusted input: the file may come from anywhere, a relay writes it) ------------

_moments = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@settings(max_examples=300)
@given(moment=_moments)
def test_expires_round_trip(moment: datetime) -> None:
    unix = int(moment.timestamp())
    text = format_expires(unix)
    assert parse_expires(text) == unix
    assert format_expires(parse_expires(text)) == text


@settings(max_examples=300)
@given(
    moment=_moments,
    offset_minutes=st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59),
    fraction=st.integers(min_value=0, max_value=999_999),
)
def test_expires_offsets_and_fractions_name_the_same_instant(
    moment: datetime, offset_minutes: int, fraction: int
) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    local = moment.astimezone(zone).replace(microsecond=fraction)
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = local.strftime("%Y-%m-%dT%H:%M:%S") + f".{fraction:06d}{sign}{hours:02d}:{minutes:02d}"
    assert parse_expires(text) == pytest.approx(local.timestamp(), abs=1e-6)


@settings(max_examples=1000)
@given(value=st.text(max_size=60))
def test_parse_expires_raises_only_its_error(value: str) -> None:
    message = None
    try:
        unix = parse_expires(value)
    except AuthorizedKeysError as exc:
        message = exc.message
    if message is None:
        assert isinstance(unix, float)
    else:
        assert message.startswith("expires=")


@settings(max_examples=500)
@given(
    value=st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
        r"([Zz]|[+-][0-9]{2}:[0-9]{2})\Z"
    )
)
def test_well_formed_but_impossible_times_are_refused_not_crashed(value: str) -> None:
    # Months 13, the 31st of February, hour 25, offset +24:00 … all match the syntax.
    message = ""
    try:
        parse_expires(value)
    except AuthorizedKeysError as exc:
        message = exc.message
    assert not message or "real date" in message or "offset" in message


@pytest.mark.parametrize(
    ("text", "unix"),
    [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2026-01-31T12:00:00Z", 1769860800.0),
        ("2026-01-31t12:00:00z", 1769860800.0),
        ("2026-01-31T14:00:00+02:00", 1769860800.0),
        ("2026-01-31T11:30:00-00:30", 1769860800.0),
        ("2026-01-31T12:00:00.25Z", 1769860800.25),
        ("2016-12-31T23:59:60Z", 1483228800.0),  # a leap second: the next second
    ],
)
def test_parse_expires_examples(text: str, unix: float) -> None:
    assert parse_expires(text) == unix


@pytest.mark.parametrize(
    "text",
    [
        "",
        "t",
        "2026-01-31",
        "2026-01-31 12:00:00Z",
        "2026-01-31T12:00:00",  # no zone: which instant?
        "2026-02-31T12:00:00Z",
        "2026-01-31T24:00:00Z",
        "2026-01-31T12:00:00+24:00",
        "2026-01-31T12:00:00+02:60",
        "0000-01-01T00:00:00Z",
        "٢٠٢٦-01-31T12:00:00Z",  # Arabic-Indic digits: int() reads them, the syntax does not
        "2026-01-31T12:00:00.1234567890Z",
        "2026-01-31T12:00:00Z" + " " * 30,
        "9" * 10_000,
    ],
)
def test_parse_expires_refuses(text: str) -> None:
    with pytest.raises(AuthorizedKeysError):
        parse_expires(text)


def test_expired_lines_and_unreadable_expiries() -> None:
    text = (
        f"{A}  expires=2026-01-31T12:00:00Z  # until the end of January\n"
        f"{B}  expires=soon  # damaged\n"
    )
    entries, errors = parse_authorized_keys(text)
    a, b = entries
    assert a.expires_at == 1769860800.0
    assert not a.is_expired(1769860799.9)
    assert a.is_expired(1769860800.0)  # at the moment itself
    # A damaged expiry is not "never": the peer counts as expired, and the problem is told.
    assert b.expires_at is None
    assert b.is_expired(0.0)
    assert [(e.line, "counts as expired" in e.message) for e in errors] == [(2, True)]
    (no_expiry,), _ = parse_authorized_keys(f"{A}\n")
    assert not no_expiry.is_expired(1e12)


def test_add_renews_an_expired_line_and_only_that(akf: AuthorizedKeysFile) -> None:
    akf.set_attr(PA, "expires", "2026-01-31T12:00:00Z")
    with pytest.raises(AlreadyExistsError):
        akf.add(PA, "again", now=1769860799.0)  # not expired yet
    with pytest.raises(AlreadyExistsError):
        akf.add(PA, "again")  # no clock: a line is a line
    renewed = akf.add(PA, "again", now=1769860800.0)
    assert renewed.peer_id == PA
    assert renewed.attr("expires") is None
    assert renewed.comment == "laptop"  # the line's own comment stays
    (entry,) = [e for e in akf.load() if e.peer_id == PA]
    assert entry.attr("expires") is None
    assert entry.verified == "sha256:0011aabb"


# --- who may have written the file --------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])
def test_a_file_others_may_write_is_refused_for_reading_and_writing(
    akf: AuthorizedKeysFile, mode: int
) -> None:
    akf.path.chmod(mode)
    for call in (akf.load, lambda: akf.add(PeerId.from_ed25519_public_key(b"\x05" * 32))):
        with pytest.raises(UnsafeFileError) as info:
            call()
        assert info.value.hint == f"fix with: chmod 600 {akf.path}"
    assert [e.peer_id for e in akf.load(check=False)] == [PA, PB]  # what it says, for a warning
    akf.path.chmod(0o644)  # readable by others: no secret in it, nobody else may change it
    assert [e.peer_id for e in akf.load()] == [PA, PB]


def test_a_missing_file_is_safe(tmp_path: Path) -> None:
    AuthorizedKeysFile(tmp_path / "authorized_keys").check_safe()
    assert AuthorizedKeysFile(tmp_path / "authorized_keys").load() == []


@posix_only
def test_signature_changes_with_mode_and_owner(akf: AuthorizedKeysFile) -> None:
    before = akf.signature()
    akf.path.chmod(0o666)  # same bytes, same mtime: the reload must still look
    assert akf.signature() != before
