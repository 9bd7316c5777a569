"""Rules decided per recognising committee (rules.md, "Pilot units" and "Rewards").

Each case quotes, in its id or a comment, the sentence of the plan it checks.  Expected counts are
written out by hand from rules.md (ceil / floor done on paper), never recomputed with the code's
own formula.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import pytest
import yaml

from bontot.plan import Plan, default_plan_path, load_plan, parse_plan
from bontot.rules import (
    CandidateRecord,
    pilot_status,
    rate_count,
    so_ket_rewards,
    tong_ket_proposals,
)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())


def plan_variant(changes: Mapping[str, Any]) -> Plan:
    """The shipped plan with a few settings changed (dotted paths), validated like a file."""
    data = yaml.safe_load(default_plan_path().read_text(encoding="utf-8"))
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for p in parents:
            node = node[p]
        node[last] = value
    return parse_plan(copy.deepcopy(data), "variant")


def rec(
    code: str,
    years: Iterable[int] = (),
    *,
    registered: bool = True,
    excellent: int = 0,
    evaluated: int = 10,
) -> CandidateRecord:
    """A unit four-good in ``years`` (and not four-good in the other years of the plan)."""
    good = set(years)
    return CandidateRecord(
        unit_code=code,
        registered=registered,
        four_good_by_year={y: y in good for y in range(2022, 2028)},
        rated_excellent=excellent,
        members_evaluated=evaluated,
    )


def fillers(n: int, prefix: str = "Z") -> list[CandidateRecord]:
    """Registered units never four-good: they count for the cap, never for a reward."""
    return [rec(f"{prefix}{i:03d}") for i in range(n)]


# --------------------------------------------------------------------------------------------
# III.2: "quyết định lựa chọn ít nhất 10% đối với đảng bộ cơ sở, ít nhất 15% đối với chi bộ để
# chỉ đạo làm điểm" — minimum = ceil(rate × count).
@pytest.mark.parametrize(
    ("family", "total", "chosen", "minimum", "ok"),
    [
        pytest.param("dang_bo_co_so", 7, 1, 1, True, id="10pct-of-7-dang-bo-ceil-0.7-is-1"),
        pytest.param("dang_bo_co_so", 7, 0, 1, False, id="10pct-of-7-none-chosen-fails"),
        pytest.param("chi_bo", 7, 2, 2, True, id="15pct-of-7-chi-bo-ceil-1.05-is-2"),
        pytest.param("chi_bo", 7, 1, 2, False, id="15pct-of-7-chosen-1-below-minimum"),
        pytest.param("chi_bo", 20, 3, 3, True, id="15pct-of-20-is-3"),
        pytest.param("chi_bo", 20, 2, 3, False, id="15pct-of-20-chosen-2-fails"),
        pytest.param("chi_bo", 20, 20, 3, True, id="more-than-the-minimum-is-fine"),
        pytest.param("chi_bo", 40, 6, 6, True, id="15pct-of-40-is-exactly-6"),
        pytest.param("chi_bo", 41, 6, 7, False, id="15pct-of-41-ceil-6.15-is-7"),
        pytest.param("chi_bo", 1, 1, 1, True, id="15pct-of-1-is-1"),
        pytest.param("dang_bo_co_so", 10, 1, 1, True, id="10pct-of-10-is-exactly-1"),
        pytest.param("dang_bo_co_so", 11, 1, 2, False, id="10pct-of-11-ceil-1.1-is-2"),
        pytest.param("dang_bo_co_so", 0, 0, 0, True, id="0-dang-bo-minimum-0"),
        pytest.param("chi_bo", 0, 0, 0, True, id="0-chi-bo-minimum-0"),
    ],
)
def test_pilot_minimum(plan, family, total, chosen, minimum, ok):
    status = pilot_status(family, total, chosen, plan)
    assert (status.minimum, status.ok) == (minimum, ok)
    assert type(status.minimum) is int
    assert status.to_json() == {
        "family": family, "total": total, "minimum": minimum, "chosen": chosen, "ok": ok,
    }


def test_no_float_decides_the_pilot_minimum():
    # 7 % of 100 is 7; in floats 0.07 * 100 is 7.000000000000001 and its ceil is 8.
    assert math.ceil(0.07 * 100) == 8  # the trap is real
    variant = plan_variant({"pilots.min_percent.chi_bo": 7})
    assert pilot_status("chi_bo", 100, 7, variant).minimum == 7
    assert rate_count(7, 100, "ceil") == 7


# --------------------------------------------------------------------------------------------
# IV.2.1: "Số lượng khen thưởng không quá 30% so với số lượng đăng ký" — cap = floor(30 % × n).
@pytest.mark.parametrize(
    ("registered", "cap"),
    [
        pytest.param(0, 0, id="0-registered-cap-0"),
        pytest.param(3, 0, id="3-registered-floor-0.9-cap-0"),
        pytest.param(4, 1, id="4-registered-floor-1.2-cap-1"),
        pytest.param(7, 2, id="7-registered-floor-2.1-cap-2"),
        pytest.param(10, 3, id="10-registered-cap-3"),
        pytest.param(13, 3, id="13-registered-floor-3.9-cap-3"),
        pytest.param(20, 6, id="20-registered-cap-6"),
    ],
)
def test_so_ket_cap(plan, registered, cap):
    # Unregistered units are not counted ("so với số lượng đăng ký").
    records = fillers(registered) + [rec(f"U{i}", registered=False) for i in range(5)]
    decision = so_ket_rewards(records, plan)
    assert (decision.registered, decision.cap) == (registered, cap)
    if cap == 0:
        # rules.md: "a committee with fewer than 4 registered units can give none [policy,
        # shown in the report]"
        assert len(decision.notes) == 1
        assert f"Có {registered} đơn vị đăng ký" in decision.notes[0]
        assert "không có đơn vị được tặng Giấy khen" in decision.notes[0]
    else:
        assert decision.notes == ()


def test_three_registered_all_eligible_get_nothing(plan):
    records = [rec(c, (2023, 2024)) for c in ("A", "B", "C")]
    decision = so_ket_rewards(records, plan)
    assert decision.cap == 0
    assert decision.selected == ()
    assert [r.unit_code for r in decision.eligible] == ["A", "B", "C"]
    assert all("ngoài" in r.reason for r in decision.eligible)


def test_no_float_decides_the_cap():
    # "29.999… %": with a 29 % cap, 100 registered units give 29 Giấy khen; in floats
    # 0.29 * 100 is 28.999999999999996 and its floor is 28.
    assert math.floor(0.29 * 100) == 28  # the trap is real
    variant = plan_variant({"rewards.so_ket.cap_percent": 29})
    decision = so_ket_rewards(fillers(100), variant)
    assert decision.cap == 29
    assert rate_count(29, 100, "floor") == 29


# --------------------------------------------------------------------------------------------
# IV.2.1: "Căn cứ việc đăng ký ... thực hiện đạt tiêu chuẩn 02 năm liền" — registered and
# four-good two consecutive years among the sơ kết years (2022–2024 in the Quảng Ngãi plan).
@pytest.mark.parametrize(
    ("record", "why"),
    [
        pytest.param(rec("X", (2023, 2024)), None, id="2023-2024-consecutive-eligible"),
        pytest.param(rec("X", (2022, 2023)), None, id="2022-2023-consecutive-eligible"),
        pytest.param(rec("X", (2022, 2023, 2024)), None, id="three-years-eligible"),
        pytest.param(rec("X", (2023, 2024), registered=False), "Chưa đăng ký thi đua",
                     id="not-registered-ineligible"),
        pytest.param(rec("X", (2022, 2024)), "02 năm liền",
                     id="2022-and-2024-not-consecutive-ineligible"),
        pytest.param(rec("X", (2024,)), "02 năm liền", id="one-year-ineligible"),
        pytest.param(rec("X", ()), "02 năm liền", id="never-four-good-ineligible"),
        pytest.param(rec("X", (2024, 2025)), "02 năm liền",
                     id="2025-is-after-the-so-ket-years-ineligible"),
    ],
)
def test_so_ket_eligibility(plan, record, why):
    decision = so_ket_rewards([record, *fillers(9)], plan)  # 10 registered or 9: cap ≥ 2
    if why is None:
        assert [r.unit_code for r in decision.eligible] == ["X"]
        assert decision.selected == ("X",)
        assert "X" not in decision.ineligible
    else:
        assert decision.eligible == ()
        assert why in decision.ineligible["X"]
        assert decision.selected == ()


def test_not_consecutive_reason_counts_the_years(plan):
    decision = so_ket_rewards([rec("X", (2022, 2024)), *fillers(9)], plan)
    assert decision.ineligible["X"] == (
        "Chưa đạt bốn tốt 02 năm liền (đạt 2 năm trong giai đoạn xét)."
    )


# --------------------------------------------------------------------------------------------
# rules.md [policy]: "most four-good years, then highest share of members rated HTXSNV, then
# unit code; the report shows the ranking and why each unit fell above or below the cap".
def ranked_codes(decision) -> list[str]:
    return [r.unit_code for r in decision.eligible]


def test_more_four_good_years_rank_first(plan):
    records = [
        rec("A", (2023, 2024), excellent=10, evaluated=10),  # 2 years, every member excellent
        rec("B", (2022, 2023, 2024), excellent=0, evaluated=10),  # 3 years, none excellent
        *fillers(8),
    ]
    decision = so_ket_rewards(records, plan)
    assert ranked_codes(decision) == ["B", "A"]
    assert [r.four_good_years for r in decision.eligible] == [3, 2]
    assert decision.eligible[0].reason.startswith("Xếp thứ 1: 3 năm đạt bốn tốt")
    assert decision.eligible[1].reason.startswith("Xếp thứ 2: 2 năm đạt bốn tốt")


def test_higher_excellent_share_ranks_first_compared_exactly(plan):
    # Same years; 1 of 3 (33,33… %) is above 33 of 100 — it ranks first although "A" < "B".
    records = [
        rec("A", (2023, 2024), excellent=33, evaluated=100),
        rec("B", (2023, 2024), excellent=1, evaluated=3),
        *fillers(8),
    ]
    decision = so_ket_rewards(records, plan)
    assert ranked_codes(decision) == ["B", "A"]
    assert decision.eligible[0].excellent_share == Fraction(1, 3)
    assert decision.eligible[1].excellent_share == Fraction(33, 100)
    assert "mã đơn vị" not in decision.eligible[1].reason  # the share decided, not the code


def test_no_float_decides_the_ranking(plan):
    # Two shares no float can tell apart: only exact fractions rank "B" above "A".
    big = 10**18
    a_share, b_share = Fraction(big // 3, big), Fraction(1, 3)
    assert float(a_share) == float(b_share) and a_share < b_share  # the trap is real
    records = [
        rec("A", (2023, 2024), excellent=big // 3, evaluated=big),
        rec("B", (2023, 2024), excellent=1, evaluated=3),
        *fillers(8),
    ]
    decision = so_ket_rewards(records, plan)
    assert ranked_codes(decision) == ["B", "A"]
    assert all(isinstance(r.excellent_share, Fraction) for r in decision.eligible)


def test_unit_code_breaks_a_full_tie(plan):
    # 1 of 4 and 2 of 8 are the same share: a full tie, decided by the unit code.
    records = [
        rec("B01", (2023, 2024), excellent=2, evaluated=8),
        rec("A01", (2023, 2024), excellent=1, evaluated=4),
        *fillers(8),
    ]
    decision = so_ket_rewards(records, plan)
    assert ranked_codes(decision) == ["A01", "B01"]
    first, second = decision.eligible
    assert (first.place, second.place) == (1, 2)
    assert second.reason.startswith("Xếp thứ 2")
    assert "bằng đơn vị A01" in second.reason and "theo mã đơn vị" in second.reason
    assert "mã đơn vị" not in first.reason


def test_ranking_does_not_depend_on_input_order(plan):
    records = [
        rec("C", (2023, 2024), excellent=5, evaluated=10),
        rec("A", (2023, 2024), excellent=5, evaluated=10),
        rec("B", (2022, 2023, 2024), excellent=1, evaluated=10),
        rec("D", (2023, 2024), excellent=7, evaluated=10),
        *fillers(6),
    ]
    forward = so_ket_rewards(records, plan)
    backward = so_ket_rewards(list(reversed(records)), plan)
    assert ranked_codes(forward) == ranked_codes(backward) == ["B", "D", "A", "C"]
    assert [r.reason for r in forward.eligible] == [r.reason for r in backward.eligible]


def test_more_eligible_than_the_cap_selects_exactly_the_cap(plan):
    # 10 registered → cap 3; 5 eligible.
    records = [
        rec("E1", (2022, 2023, 2024), excellent=1, evaluated=10),
        rec("E2", (2022, 2023), excellent=9, evaluated=10),
        rec("E3", (2023, 2024), excellent=5, evaluated=10),
        rec("E4", (2023, 2024), excellent=4, evaluated=10),
        rec("E5", (2023, 2024), excellent=4, evaluated=10),
        *fillers(5),
    ]
    decision = so_ket_rewards(records, plan)
    assert decision.cap == 3
    assert decision.selected == ("E1", "E2", "E3")
    assert ranked_codes(decision) == ["E1", "E2", "E3", "E4", "E5"]
    assert [r.place for r in decision.eligible] == [1, 2, 3, 4, 5]
    for r in decision.eligible:
        assert r.reason.startswith(f"Xếp thứ {r.place}:")
        assert ("; trong chỉ tiêu" in r.reason) is r.selected
        assert ("; ngoài chỉ tiêu" in r.reason) is (not r.selected)
        assert "30 % của 10 đơn vị đăng ký (tối đa 3)" in r.reason
        assert " %" in r.reason  # the excellent share is shown as a percentage
    assert "bằng đơn vị E4" in decision.eligible[4].reason
    assert len(decision.ineligible) == 5
    json = decision.to_json()
    assert json["selected"] == ["E1", "E2", "E3"]
    assert json["ranking"][0]["excellent_share"] == "1/10"


def test_eligible_unit_with_nobody_evaluated_still_ranks(plan):
    # A record without evaluated members has share 0 and ranks last among equals; its reason
    # must still be written (no division by zero).
    records = [
        rec("A", (2023, 2024), excellent=0, evaluated=0),
        rec("B", (2023, 2024), excellent=1, evaluated=10),
        *fillers(8),
    ]
    decision = so_ket_rewards(records, plan)
    assert ranked_codes(decision) == ["B", "A"]
    assert decision.eligible[1].excellent_share == 0
    assert decision.eligible[1].reason.startswith("Xếp thứ 2")


# --------------------------------------------------------------------------------------------
# IV.2.2: "Số lượng đề nghị Ban Thường vụ Tỉnh ủy khen thưởng từ 01 - 02 tổ chức ... đạt tiêu
# chuẩn tiêu biểu nhất."
def test_tong_ket_top_two_of_five(plan):
    records = [
        rec("T1", (2023, 2024), excellent=1, evaluated=10),
        rec("T2", (2022, 2023, 2024, 2025, 2026), excellent=1, evaluated=10),
        rec("T3", (2025, 2026), excellent=9, evaluated=10),
        rec("T4", (2024, 2025, 2026), excellent=2, evaluated=10),
        rec("T5", (2024, 2025, 2026), excellent=3, evaluated=10),
    ]
    decision = tong_ket_proposals(records, plan)
    assert decision.review == "tong_ket"
    assert decision.cap == 2
    assert decision.selected == ("T2", "T5")
    assert ranked_codes(decision) == ["T2", "T5", "T4", "T3", "T1"]
    assert decision.notes == ()
    assert all("số đề nghị tối đa 2 đơn vị" in r.reason for r in decision.eligible)


def test_tong_ket_none_eligible_notes_the_minimum(plan):
    records = [rec("N1", (2022, 2024)), rec("N2", (2026,)), rec("N3", (2025, 2026),
                                                              registered=False)]
    decision = tong_ket_proposals(records, plan)
    assert decision.selected == ()
    assert set(decision.ineligible) == {"N1", "N2", "N3"}
    assert decision.notes == ("Chỉ có 0 đơn vị đủ điều kiện, ít hơn số đề nghị tối thiểu 1.",)


def test_tong_ket_one_eligible_is_enough(plan):
    decision = tong_ket_proposals([rec("O1", (2025, 2026)), rec("O2", ())], plan)
    assert decision.selected == ("O1",)
    assert decision.notes == ()


def test_tong_ket_and_so_ket_read_their_own_years(plan):
    # Four-good 2025 and 2026: after the sơ kết years, inside the tổng kết years.
    late_bloomer = rec("L", (2025, 2026))
    assert "L" in so_ket_rewards([late_bloomer, *fillers(9)], plan).ineligible
    assert tong_ket_proposals([late_bloomer], plan).selected == ("L",)
