"""A fictional province for demonstrations and tests (deterministic: same seed, same data).

Three recognising committees, 30 grassroots units (đảng bộ cơ sở and chi bộ cơ sở), 200 chi bộ,
registrations and yearly self-assessments 2022–2025 with a spread of outcomes that exercises every
rule: each criterion failing on its own, the 3/4 rule, 90 % exactly, months_active < 12, a target
of 0 with 0 admitted, the press/public override of T3, a self-assessment of "Không đạt", late and
missing forms, unregistered units, a committee too small for any Giấy khen, pilot minimums met and
missed, and a unit named ``Chi bộ A & B <1> "Làng Mới"``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from bontot.models import Unit, UnitKind, UnitType

SEED = 20221107
YEARS = (2022, 2023, 2024, 2025)
TRICKY_NAME = 'Chi bộ A & B <1> "Làng Mới"'

_PLACES = [
    "Ba Khê",
    "Sơn Lâm",
    "Trà Phong",
    "Nghĩa Hòa",
    "Tịnh Bắc",
    "Hành Thịnh",
    "Đức Lân",
    "Phổ Ninh",
    "Bình Hải",
    "Minh Long",
    "Long Sơn",
    "Thanh An",
    "An Phú",
    "Hòa Thuận",
    "Tân Hiệp",
    "Quảng Phú",
    "Nghĩa Lộ",
    "Trương Quang Trọng",
    "Lê Hồng Phong",
    "Chánh Lộ",
    "Nghĩa Chánh",
]
_VILLAGES = [
    "Làng Mầm",
    "Gò Rô",
    "Nước Lăng",
    "Trường Lệ",
    "An Hội",
    "Phú Lộc",
    "Thạch Bích",
    "Đồng Xoài",
    "Xóm Củi",
    "Bàu Sen",
    "Mỹ Khê",
    "Cổ Lũy",
    "Tây Sơn",
    "Kỳ Tân",
    "Vạn Lý",
]
_AGENCIES = [
    "Trường THPT Trà Giang",
    "Bệnh viện Đa khoa khu vực",
    "Công ty Cổ phần Đường Bến Đá",
    "Kho bạc Nhà nước",
    "Chi cục Thuế khu vực",
    "Ban Chỉ huy Quân sự",
    "Công an xã",
    "Trường Tiểu học số 1",
    "Trạm Y tế",
    "Hợp tác xã Nông nghiệp",
]
_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
_MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Đức", "Ngọc", "Quang"]
_GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hà",
    "Hương",
    "Khoa",
    "Lan",
    "Mai",
    "Nam",
    "Phúc",
    "Quý",
    "Sơn",
    "Tâm",
    "Thúy",
    "Trung",
    "Vân",
    "Yến",
    "Hòa",
    "Thủy",
]


@dataclass
class DemoData:
    units: list[Unit]
    registrations: dict[str, dict[str, Any]]  # unit code → registration values
    assessments: dict[tuple[str, int], dict[str, Any]]  # (unit code, year) → Mẫu 02 values
    received_on: dict[tuple[str, int], dt.date] = field(default_factory=dict)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


def _committees() -> list[Unit]:
    return [
        Unit(
            "QN",
            "Đảng bộ tỉnh Quảng Ngãi",
            UnitKind.DANG_BO_TINH,
            None,
            issuer_name="TỈNH ỦY QUẢNG NGÃI",
            abbreviation="TU",
            place="Quảng Ngãi",
        ),
        Unit(
            "HU-TG",
            "Đảng bộ huyện Trà Giang",
            UnitKind.DANG_BO_TRUC_THUOC,
            "QN",
            recognising=True,
            issuer_name="HUYỆN ỦY TRÀ GIANG",
            abbreviation="HU",
            place="Trà Giang",
            signer_name="Nguyễn Văn Thành",
            signer_title="BÍ THƯ",
        ),
        Unit(
            "TU-BD",
            "Đảng bộ thị xã Bến Đá",
            UnitKind.DANG_BO_TRUC_THUOC,
            "QN",
            recognising=True,
            issuer_name="THỊ ỦY BẾN ĐÁ",
            abbreviation="TU",
            place="Bến Đá",
            signer_name="Trần Thị Hồng Nhung",
            signer_title="PHÓ BÍ THƯ",
        ),
        Unit(
            "DUK",
            "Đảng bộ Khối Cơ quan và Doanh nghiệp tỉnh",
            UnitKind.DANG_BO_TRUC_THUOC,
            "QN",
            recognising=True,
            issuer_name="ĐẢNG ỦY KHỐI CƠ QUAN VÀ DOANH NGHIỆP TỈNH",
            abbreviation="ĐUK",
            place="Quảng Ngãi",
            signer_name="Lê Quang Huy",
            signer_title="BÍ THƯ",
        ),
    ]


def _grassroots(rng: random.Random) -> list[Unit]:
    """15 + 11 + 4 grassroots units; 200 chi bộ spread over the 21 đảng bộ cơ sở."""
    plan = [("HU-TG", 12, 3, "xã"), ("TU-BD", 9, 2, "phường"), ("DUK", 0, 4, "")]
    units: list[Unit] = []
    places = iter(_PLACES)
    agencies = iter(_AGENCIES)
    dbcs: list[Unit] = []
    for committee, n_dbcs, n_cbcs, word in plan:
        for i in range(n_dbcs):
            place = next(places)
            code = f"{committee}-{i + 1:02d}"
            unit = Unit(
                code,
                f"Đảng bộ {word} {place}",
                UnitKind.DANG_BO_CO_SO,
                committee,
                UnitType.THON_TO_DAN_PHO,
                secretary=_person(rng),
                pilot=(i == 0 or (committee == "HU-TG" and i == 5)),
            )
            units.append(unit)
            dbcs.append(unit)
        for i in range(n_cbcs):
            code = f"{committee}-C{i + 1}"
            units.append(
                Unit(
                    code,
                    f"Chi bộ {next(agencies)}",
                    UnitKind.CHI_BO_CO_SO,
                    committee,
                    UnitType.CO_QUAN if i % 2 else UnitType.DON_VI_SU_NGHIEP,
                    secretary=_person(rng),
                    pilot=(i == 0 and committee != "DUK"),
                )
            )
    # 200 chi bộ: 9 or 10 per đảng bộ (21 × 9 = 189, eleven of them get a tenth)
    counts = [9] * len(dbcs)
    for i in rng.sample(range(len(dbcs)), 200 - 9 * len(dbcs)):
        counts[i] += 1
    for parent, n in zip(dbcs, counts, strict=True):
        for j in range(n):
            name = f"Chi bộ Thôn {_VILLAGES[(j + len(parent.code)) % len(_VILLAGES)]} {j + 1}"
            if parent.code == "HU-TG-01" and j == 0:
                name = TRICKY_NAME
            # HU-TG chooses 15 % of its chi bộ (ceil); TU-BD too few, so its report shows it
            pilot = j in (0, 1) and parent.parent_code == "HU-TG"
            units.append(
                Unit(
                    f"{parent.code}-{j + 1:02d}",
                    name,
                    UnitKind.CHI_BO,
                    parent.code,
                    UnitType.THON_TO_DAN_PHO,
                    secretary=_person(rng),
                    pilot=pilot,
                )
            )
    return units


def _members(rng: random.Random, kind: UnitKind) -> int:
    return rng.randint(60, 240) if kind is UnitKind.DANG_BO_CO_SO else rng.randint(7, 35)


def _good_year(rng: random.Random, unit: Unit, total: int, year: int) -> dict[str, Any]:
    """A year in which every check holds."""
    exempt = rng.randint(0, 2)
    evaluated = total - exempt
    excellent = rng.randint(evaluated // 10, max(evaluated // 10, evaluated // 5))
    good = evaluated - excellent
    complete = incomplete = 0
    if unit.kind is UnitKind.DANG_BO_CO_SO:  # a few below "tốt", still ≥ 90 %
        complete = min(good, evaluated // 20)
        good -= complete
    target = rng.randint(0, 3)
    assigned = rng.randint(8, 20)
    return {
        "form_code": "02-TDG",
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_kind": unit.kind.value,
        "year": year,
        "t1_work_program": True,
        "t1_targets_assigned": assigned,
        "t1_targets_met": assigned,  # forms.md: met and exceeded ≤ assigned
        "t1_admission_target": target,
        "t1_admitted": target + rng.randint(0, 2),
        "t1_backlog_cases": 0,
        "t1_other_tasks": True,
        "t1_self": True,
        "t2_regular_meetings": 12,
        "t2_thematic_meetings": 4 + rng.randint(0, 2),
        "t2_quality_ok": True,
        "t2_self": True,
        "t3_working_rules": True,
        "t3_violations": 0,
        "t3_external_detection": False,
        "t3_self": True,
        "t4_movement": True,
        "members_total": total,
        "members_evaluated": evaluated,
        "rated_excellent": excellent,
        "rated_good": good,
        "rated_complete": complete,
        "rated_incomplete": incomplete,
        "t4_self": True,
        "self_title": True,
        "proposed_rating": "hoan_thanh_xuat_sac",
        "secretary_name": unit.secretary,
    }


def _break(rng: random.Random, f: dict[str, Any], which: str) -> None:
    """Make one check fail, the way real units fail it."""
    if which == "t1":
        choice = rng.choice(["targets", "admission", "backlog", "program"])
        if choice == "targets":
            f["t1_targets_met"] = f["t1_targets_assigned"] - rng.randint(1, 3)
        elif choice == "admission":
            f["t1_admission_target"] = max(1, f["t1_admission_target"])
            f["t1_admitted"] = f["t1_admission_target"] - 1
        elif choice == "backlog":
            f["t1_backlog_cases"] = rng.randint(1, 2)
        else:
            f["t1_work_program"] = False
        f["t1_self"] = False
    elif which == "t2":
        if rng.random() < 0.5:
            f["t2_regular_meetings"] = rng.randint(8, 11)
        else:
            f["t2_thematic_meetings"] = rng.randint(1, 3)
        f["t2_self"] = False
    elif which == "t3":
        f["t3_violations"] = rng.randint(1, 2)
        f["t3_self"] = False
    else:
        move = min(f["rated_good"], rng.randint(1, 3) + f["members_evaluated"] // 10)
        f["rated_good"] -= move
        f["rated_complete"] += move
        f["t4_self"] = False
    f["self_title"] = False
    f["proposed_rating"] = "hoan_thanh_tot"


# Boundaries of the rules, on named units, so every rule shows in the demo: each starts from a
# year where every check holds, then changes just what the case is about.
_SPECIAL_CASES: dict[tuple[str, int], dict[str, Any]] = {
    # months_active < 12: a chi bộ founded in April 2023 meets T2 with 9 + 3 meetings
    ("HU-TG-02-03", 2023): {
        "months_active": 9,
        "t2_regular_meetings": 9,
        "t2_thematic_meetings": 3,
    },
    # admission target 0, 0 admitted: met
    ("HU-TG-02-04", 2024): {"t1_admission_target": 0, "t1_admitted": 0},
    # T3 press/public override: no violation counted by the unit, but found by the press
    ("TU-BD-01-02", 2024): {"t3_external_detection": True},
    # self-assessment "Không đạt" on T2 while every figure holds
    ("TU-BD-02-03", 2023): {"t2_self": False},
    # đảng bộ with exactly 90 % rated good or better (meets)
    ("HU-TG-03", 2024): {
        "members_total": 102,
        "members_evaluated": 100,
        "rated_excellent": 20,
        "rated_good": 70,
        "rated_complete": 10,
        "rated_incomplete": 0,
    },
    # đảng bộ at 89 of 99 (fails)
    ("HU-TG-04", 2024): {
        "members_total": 99,
        "members_evaluated": 99,
        "rated_excellent": 19,
        "rated_good": 70,
        "rated_complete": 10,
        "rated_incomplete": 0,
    },
}


def _special_cases(rng: random.Random, data: DemoData) -> None:
    units = {u.code: u for u in data.units}
    for (code, year), change in _SPECIAL_CASES.items():
        unit = units[code]
        fields = _good_year(rng, unit, unit.members or 20, year)
        old = data.assessments.get((code, year), {})
        for key in ("sub_cells_total", "sub_cells_four_good"):
            if key in old:
                fields[key] = old[key]
        fields.update(change)
        data.assessments[(code, year)] = fields
        data.received_on.setdefault((code, year), dt.date(year, 12, 20))


def build_demo(seed: int = SEED) -> DemoData:
    """The whole fictional province, as plain data."""
    rng = random.Random(seed)
    units = _committees() + _grassroots(rng)
    candidates = [u for u in units if u.kind.is_grassroots_candidate]
    quality = {u.code: rng.choice([0.95, 0.85, 0.7, 0.5]) for u in candidates}
    for u in candidates:  # chi bộ follow their đảng bộ, loosely
        if u.kind is UnitKind.CHI_BO and rng.random() < 0.7:
            quality[u.code] = quality[u.parent_code or ""]
    members = {u.code: _members(rng, u.kind) for u in candidates}
    units = [
        Unit(**{**u.__dict__, "members": members.get(u.code)}) if u.code in members else u
        for u in units
    ]
    data = DemoData(units, {}, {})
    for u in candidates:
        if u.code.endswith("-C4") or rng.random() < 0.08:
            continue  # never registered
        late = rng.random() < 0.1
        day = dt.date(2022, 11, 25) + dt.timedelta(
            days=rng.randint(1, 20) if late else -rng.randint(1, 12)
        )
        data.registrations[u.code] = {
            "registered_on": day,
            "title_registered": "chi_bo_bon_tot"
            if u.kind is not UnitKind.DANG_BO_CO_SO
            else "dang_bo_co_so_bon_tot",
            "admission_target": rng.randint(2, 10),
            "members_total": members[u.code],
        }
    for year in YEARS:
        for u in candidates:
            if rng.random() < 0.04:
                continue  # did not report this year
            f = _good_year(rng, u, members[u.code], year)
            if rng.random() > quality[u.code]:
                for which in rng.sample(["t1", "t2", "t3", "t4"], rng.choice([1, 1, 1, 2, 3])):
                    _break(rng, f, which)
            if u.kind is UnitKind.DANG_BO_CO_SO:
                cells = [c for c in units if c.parent_code == u.code]
                f["sub_cells_total"] = len(cells)
                f["sub_cells_four_good"] = round(len(cells) * quality[u.code])
            data.assessments[(u.code, year)] = f
            due = dt.date(year, 12, 31)
            offset = rng.randint(1, 25) if rng.random() < 0.07 else -rng.randint(0, 20)
            data.received_on[(u.code, year)] = due + dt.timedelta(days=offset)
    _special_cases(rng, data)
    return data
