"""The store on both backends: every test runs on SQLite and on PostgreSQL (``db_url``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from bontot.errors import InputError, StoreError
from bontot.models import Unit, UnitKind, UnitType
from bontot.store import (
    MACHINE,
    Store,
    add_assessment,
    add_override,
    add_reading,
    add_registration,
    add_source_file,
    apply_roster,
    assessment_history,
    audit,
    audit_entries,
    current_assessments,
    current_documents,
    current_evaluations,
    current_overrides,
    current_registrations,
    find_source_file,
    get_reading,
    list_readings,
    load_units,
    open_store,
    record_document,
    redact,
    save_evaluation,
    unit_history,
)
from bontot.store.db import alembic_config
from bontot.store.schema import Base, OverrideRow, RegistrationRow

TABLES = {
    "roster_imports", "units", "unit_versions", "source_files", "readings", "registrations",
    "assessments", "evaluations", "overrides", "documents", "audit_log",
}
TRICKY = unicodedata.normalize("NFC", 'Chi bộ Thôn Làng Mầm & "Nước Nẻ" <số 2>')


def roster() -> list[Unit]:
    return [
        Unit("HU-BT", "Huyện ủy Ba Tơ", UnitKind.DANG_BO_TRUC_THUOC, recognising=True,
             issuer_name="HUYỆN ỦY BA TƠ", abbreviation="HU", place="Ba Tơ",
             signer_name="Phạm Thị Huệ", signer_title="BÍ THƯ"),
        Unit("X-BTH", "Đảng bộ xã Ba Thành", UnitKind.DANG_BO_CO_SO, parent_code="HU-BT",
             members=120),
        Unit("CB-LM", TRICKY, UnitKind.CHI_BO, parent_code="X-BTH",
             unit_type=UnitType.THON_TO_DAN_PHO, members=23, secretary="Đinh Văn Thương",
             pilot=True),
        Unit("CB-GV", "Chi bộ Trường Tiểu học Ba Thành", UnitKind.CHI_BO, parent_code="X-BTH",
             unit_type=UnitType.DON_VI_SU_NGHIEP, members=11),
    ]


def seed(store: Store) -> None:
    with store.session() as s:
        apply_roster(s, roster(), source_name="roster.xlsx", file_sha256="a" * 64, actor="clerk")


def test_migrations_reach_head_and_are_idempotent(db_url: str) -> None:
    first = open_store(db_url)
    seed(first)
    first.close()
    again = open_store(db_url)  # a second upgrade finds nothing to do and keeps the data
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with again.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head
        assert TABLES <= set(inspect(conn).get_table_names())
    with again.session() as s:
        assert [u.code for u in load_units(s)] == [u.code for u in roster()]
    again.close()


def test_models_match_the_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_foreign_keys_are_enforced(store: Store) -> None:
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    with pytest.raises(StoreError, match="từ chối"), store.session() as s:
        s.add(RegistrationRow(
            unit_code="NO-SUCH", registered_on=dt.date(2022, 11, 20),
            title_registered="chi_bo_bon_tot", created_at=dt.datetime.now(dt.UTC), actor="x",
        ))


def test_roster_apply_reapply_and_edit_keep_history(store: Store) -> None:
    with store.session() as s:
        first = apply_roster(s, roster(), source_name="r1.xlsx", file_sha256="1" * 64,
                             actor="clerk")
    assert first == {"added": 4, "changed": 0, "removed": 0, "unchanged": 0}
    with store.session() as s:
        again = apply_roster(s, roster(), source_name="r1.xlsx", file_sha256="1" * 64,
                             actor="clerk")
    assert again == {"added": 0, "changed": 0, "removed": 0, "unchanged": 4}

    edited = roster()[:3]
    edited[2] = dataclasses.replace(edited[2], members=25, secretary="Phạm Văn Đồng")
    edited.append(Unit("CB-YT", "Chi bộ Trạm Y tế", UnitKind.CHI_BO, parent_code="X-BTH"))
    with store.session() as s:
        third = apply_roster(s, edited, source_name="r2.xlsx", file_sha256="2" * 64,
                             actor="clerk")
        assert third == {"added": 1, "changed": 1, "removed": 1, "unchanged": 2}
        history = unit_history(s, "CB-LM")
        assert [h["change"] for h in history] == ["added", "changed"]
        assert history[0]["data"]["members"] == 23 and history[1]["data"]["members"] == 25
        assert history[1]["source_name"] == "r2.xlsx"
        assert [h["change"] for h in unit_history(s, "CB-GV")] == ["added", "removed"]
        assert unit_history(s, "NO-SUCH") == []
        assert [u.code for u in load_units(s)] == ["HU-BT", "X-BTH", "CB-LM", "CB-YT"]
        everyone = load_units(s, include_inactive=True)
        assert [u.code for u in everyone] == ["HU-BT", "X-BTH", "CB-LM", "CB-YT", "CB-GV"]
        imports = s.execute(text("SELECT count(*) FROM roster_imports")).scalar()
        assert imports == 3

    with store.session() as s:  # back in the roster: re-added, history continues
        back = apply_roster(s, roster(), source_name="r3.xlsx", file_sha256="3" * 64,
                            actor="clerk")
        assert back == {"added": 1, "changed": 1, "removed": 1, "unchanged": 2}
        assert [h["change"] for h in unit_history(s, "CB-GV")] == ["added", "removed", "added"]


def test_units_round_trip_with_their_types(store: Store) -> None:
    seed(store)
    with store.session() as s:
        units = load_units(s)
    assert units == roster()
    assert units[2].unit_type is UnitType.THON_TO_DAN_PHO and units[2].kind is UnitKind.CHI_BO


def test_duplicate_codes_refuse_the_whole_roster(store: Store) -> None:
    with pytest.raises(InputError, match="trùng"), store.session() as s:
        apply_roster(s, roster() + roster()[:1], source_name="r.xlsx", file_sha256="0" * 64,
                     actor="clerk")
    with store.session() as s:
        assert load_units(s) == [] and audit_entries(s) == []


def test_registrations_keep_old_rows_latest_is_current(store: Store) -> None:
    seed(store)
    with store.session() as s:
        first = add_registration(s, unit_code="CB-LM", registered_on=dt.date(2022, 11, 20),
                                 title_registered="chi_bo_bon_tot", admission_target=2,
                                 members_total=23, actor="clerk")
        add_registration(s, unit_code="X-BTH", registered_on=dt.date(2022, 11, 21),
                         title_registered="dang_bo_co_so_bon_tot", actor="clerk")
    with store.session() as s:
        second = add_registration(s, unit_code="CB-LM", registered_on=dt.date(2022, 11, 24),
                                  title_registered="chi_bo_bon_tot", admission_target=3,
                                  actor="clerk")
    with store.session() as s:
        current = current_registrations(s)
        kept = s.execute(text("SELECT count(*) FROM registrations")).scalar()
    assert second > first and kept == 3
    assert set(current) == {"CB-LM", "X-BTH"}
    assert current["CB-LM"].id == second and current["CB-LM"].admission_target == 3
    assert current["CB-LM"].registered_on == dt.date(2022, 11, 24)
    with pytest.raises(dataclasses.FrozenInstanceError):
        current["CB-LM"].admission_target = 9  # type: ignore[misc]


def test_assessments_keep_old_rows_latest_is_current(store: Store) -> None:
    seed(store)
    fields = {"year": 2023, "t1_work_program": True, "t2_regular_meetings": 12, "t1_self": True}
    with store.session() as s:
        old = add_assessment(s, unit_code="CB-LM", year=2023, fields=fields,
                             received_on=dt.date(2023, 12, 20), actor="clerk")
        add_assessment(s, unit_code="CB-LM", year=2024, fields={**fields, "year": 2024},
                       received_on=dt.date(2024, 12, 20), actor="clerk")
        new = add_assessment(s, unit_code="CB-LM", year=2023,
                             fields={**fields, "t2_regular_meetings": 11},
                             received_on=dt.date(2023, 12, 28), actor="clerk")
    with store.session() as s:
        every_year = current_assessments(s)
        of_2023 = current_assessments(s, 2023)
        history = assessment_history(s, "CB-LM", 2023)
    assert set(every_year) == {("CB-LM", 2023), ("CB-LM", 2024)}
    assert list(of_2023) == [("CB-LM", 2023)]
    assert of_2023[("CB-LM", 2023)].id == new
    assert of_2023[("CB-LM", 2023)].fields["t2_regular_meetings"] == 11
    assert [a.id for a in history] == [old, new]
    assert history[0].fields == fields and history[0].received_on == dt.date(2023, 12, 20)


def test_rows_about_unknown_units_are_refused(store: Store) -> None:
    seed(store)
    with pytest.raises(InputError, match="không có trong danh sách"), store.session() as s:
        add_registration(s, unit_code="CB-XX", registered_on=dt.date(2022, 11, 20),
                         title_registered="chi_bo_bon_tot", actor="clerk")


@pytest.mark.parametrize("reason", ["", "   \n\t"])
def test_override_needs_a_reason(store: Store, reason: str) -> None:
    seed(store)
    with pytest.raises(InputError, match="lý do"), store.session() as s:
        add_override(s, unit_code="CB-LM", year=2023, criterion="t3", met=True, reason=reason,
                     actor="committee")
    with pytest.raises(InputError, match="Tiêu chí"), store.session() as s:
        add_override(s, unit_code="CB-LM", year=2023, criterion="t5", met=True, reason="x",
                     actor="committee")
    # The database refuses a blank reason too, whoever writes the row.
    with pytest.raises(StoreError), store.session() as s:
        s.add(OverrideRow(unit_code="CB-LM", year=2023, criterion="t3", met=True, reason="  ",
                          actor="x", created_at=dt.datetime.now(dt.UTC)))
    with store.session() as s:
        assert current_overrides(s, 2023) == {}


def test_current_overrides_are_the_latest_per_criterion(store: Store) -> None:
    seed(store)
    with store.session() as s:
        add_override(s, unit_code="CB-LM", year=2023, criterion="t3", met=False,
                     reason="Báo chí phản ánh đúng vi phạm", actor="committee")
        latest = add_override(s, unit_code="CB-LM", year=2023, criterion="t3", met=True,
                              reason="Thẩm tra lại: phản ánh không đúng", actor="committee")
        add_override(s, unit_code="CB-LM", year=2023, criterion="t1", met=True,
                     reason="Chỉ tiêu được điều chỉnh giữa năm", actor="committee")
        add_override(s, unit_code="CB-LM", year=2024, criterion="t3", met=False,
                     reason="Năm khác", actor="committee")
    with store.session() as s:
        current = current_overrides(s, 2023)
    assert set(current) == {("CB-LM", "t1"), ("CB-LM", "t3")}
    assert current[("CB-LM", "t3")].id == latest and current[("CB-LM", "t3")].met is True


def test_save_evaluation_writes_only_changes(store: Store) -> None:
    seed(store)
    result = {"criteria": {"t1": True, "t2": True}, "reasons": ("a", "b"),
              "received_on": dt.date(2023, 12, 20)}
    args: dict[str, Any] = dict(
        unit_code="CB-LM", year=2023, plan_id="qn-2022-2027", four_good=True,
        rating="hoan_thanh_xuat_sac", inputs_sha256="f" * 64,
    )
    with store.session() as s:
        assert save_evaluation(s, **args, result=result) is True
        assert save_evaluation(s, **args, result=result) is False  # same session
    with store.session() as s:
        assert save_evaluation(s, **args, result=dict(result)) is False  # as read back
        assert save_evaluation(s, **{**args, "inputs_sha256": "e" * 64}, result=result)
        assert save_evaluation(s, **{**args, "inputs_sha256": "e" * 64},
                               result={**result, "criteria": {"t1": False}})
    with store.session() as s:
        current = current_evaluations(s, 2023, "qn-2022-2027")
        rows = s.execute(text("SELECT count(*) FROM evaluations")).scalar()
        assert current_evaluations(s, 2024) == {}
    assert rows == 3
    record = current[("CB-LM", 2023, "qn-2022-2027")]
    assert record.result["criteria"] == {"t1": False}
    assert record.result["received_on"] == "2023-12-20" and record.result["reasons"] == ["a", "b"]


def test_audit_log_is_written(store: Store) -> None:
    seed(store)
    with store.session() as s:
        add_registration(s, unit_code="CB-LM", registered_on=dt.date(2022, 11, 20),
                         title_registered="chi_bo_bon_tot", actor="Nguyễn Thị Lan")
        add_override(s, unit_code="CB-LM", year=2023, criterion="t2", met=True,
                     reason="Đã họp bù đủ kỳ", actor="Nguyễn Thị Lan")
        audit(s, "Nguyễn Thị Lan", "document.publish", "2023", {"files": 3})
    with store.session() as s:
        entries = audit_entries(s)
        overrides = audit_entries(s, action="override.add")
    assert [e.action for e in entries] == [
        "document.publish", "override.add", "registration.add", "roster.import",
    ]
    assert entries[-1].detail is not None and entries[-1].detail["added"] == 4
    detail = overrides[0].detail
    assert detail is not None and detail["reason"] == "Đã họp bù đủ kỳ"
    assert overrides[0].subject == "CB-LM"
    assert overrides[0].actor == "Nguyễn Thị Lan"
    assert entries[0].at.tzinfo is not None and entries[0].at.utcoffset() == dt.timedelta(0)


def test_a_failed_session_leaves_nothing(store: Store) -> None:
    seed(store)
    with pytest.raises(RuntimeError), store.session() as s:
        add_registration(s, unit_code="CB-LM", registered_on=dt.date(2022, 11, 20),
                         title_registered="chi_bo_bon_tot", actor="clerk")
        raise RuntimeError("boom")
    with store.session() as s:
        assert current_registrations(s) == {}
        assert [e.action for e in audit_entries(s)] == ["roster.import"]


def test_source_files_readings_and_documents(store: Store) -> None:
    seed(store)
    with store.session() as s:
        first = add_source_file(s, sha256="b" * 64, original_name="Phiếu đăng ký.docx",
                                stored_path="archive/bb/bbbb.docx", size=12345)
        same = add_source_file(s, sha256="b" * 64, original_name="copy.docx",
                               stored_path="elsewhere", size=12345)
        machine = add_reading(s, form_code="01-DK", unit_code="CB-LM", year=None, source="docx",
                              parser="docx", fields={"members_total": {"value": 23}},
                              problems=[{"field": "x", "level": "warning", "message": "mờ"}],
                              needs_review=True, source_file_id=first.id)
        fixed = add_reading(s, form_code="01-DK", unit_code="CB-LM", year=None, source="docx",
                            parser="manual", fields={"members_total": {"value": 24}},
                            problems=[], needs_review=False, actor="clerk",
                            source_file_id=first.id, supersedes_id=machine)
        record_document(s, kind="quyet-dinh", scope="2023", committee_code="HU-BT",
                        path="outputs/2023/HU-BT/qd.docx", sha256="c" * 64,
                        inputs_sha256="d" * 64)
        latest_doc = record_document(s, kind="quyet-dinh", scope="2023", committee_code="HU-BT",
                                     path="outputs/2023/HU-BT/qd.docx", sha256="c" * 64,
                                     inputs_sha256="e" * 64)
    assert same == first and first.received_at.tzinfo is not None
    with store.session() as s:
        assert find_source_file(s, "b" * 64) == first and find_source_file(s, "0" * 64) is None
        assert [r.id for r in list_readings(s, source_file_id=first.id)] == [machine, fixed]
        assert [r.id for r in list_readings(s, needs_review=True)] == [machine]
        assert get_reading(s, fixed).supersedes_id == machine
        assert get_reading(s, machine).actor == MACHINE
        assert get_reading(s, machine).problems[0]["message"] == "mờ"
        docs = current_documents(s, "2023")
        assert [e.action for e in audit_entries(s, action="reading.add")] == ["reading.add"]
    assert docs[("quyet-dinh", "2023", "HU-BT")].id == latest_doc


def test_vietnamese_text_round_trips(store: Store) -> None:
    seed(store)
    decomposed = unicodedata.normalize("NFD", "Thuý Hoà")  # kept exactly as written
    fields = {"unit_name": TRICKY, "secretary_name": decomposed, "note": "a & b < c > d \" '"}
    with store.session() as s:
        add_assessment(s, unit_code="CB-LM", year=2023, fields=fields,
                       received_on=dt.date(2023, 12, 20), actor="Đỗ Thị Ánh")
        add_override(s, unit_code="CB-LM", year=2023, criterion="t4", met=False,
                     reason=f"Lý do: {TRICKY}", actor="Đỗ Thị Ánh")
    with store.session() as s:
        unit = next(u for u in load_units(s) if u.code == "CB-LM")
        assessment = current_assessments(s, 2023)[("CB-LM", 2023)]
        override = current_overrides(s, 2023)[("CB-LM", "t4")]
        raw = s.execute(text("SELECT name FROM units WHERE code = 'CB-LM'")).scalar()
    assert unit.name == TRICKY == raw and unicodedata.is_normalized("NFC", raw)
    assert assessment.fields == fields and assessment.actor == "Đỗ Thị Ánh"
    assert assessment.fields["secretary_name"] == decomposed != "Thuý Hoà"
    assert override.reason == f"Lý do: {TRICKY}"


def test_store_does_not_show_its_password(db_url: str) -> None:
    url = make_url(db_url)
    if url.get_backend_name() == "postgresql" and not url.password:
        url = url.set(password="hunter2-secret")  # trust auth ignores it
    given = url.render_as_string(hide_password=False)
    store = open_store(given)
    try:
        assert store.url == given  # kept whole, so another process can reopen it
        assert str(url.password or "\0") not in store.display_url + repr(store)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:hunter2@h:5432/db", "postgresql+psycopg://u:***@h:5432/db"),
        ("postgresql+psycopg://u:hun@ter2@h/db", "postgresql+psycopg://u:***@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////srv/a:b@c/bontot.db", "sqlite:////srv/a:b@c/bontot.db"),
    ],
)
def test_redact_hides_passwords_even_in_malformed_urls(url: str, shown: str) -> None:
    assert redact(url) == shown


BAD_URLS = [
    ("not a url at all", "Địa chỉ cơ sở dữ liệu không dùng được"),
    ("nosuchdb://u:hunter2-secret@host/db", "Địa chỉ cơ sở dữ liệu không dùng được"),
    ("postgresql+psycopg://u:hunter2@secret@127.0.0.1/db", "phải được mã hóa"),
    ("postgresql+psycopg://bontot:hunter2-secret@127.0.0.1:1/bontot",
     "Không kết nối được cơ sở dữ liệu"),
    ("sqlite:////nonexistent-dir/sub/x.db", "Không kết nối được cơ sở dữ liệu"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_bad_urls_give_a_vietnamese_store_error(url: str, message: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value) and "secret" not in str(caught.value)
    assert caught.value.exit_code == 6
