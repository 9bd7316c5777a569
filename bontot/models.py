"""Domain vocabulary shared by every stage: unit kinds, the roster's units, form keys.

Plain frozen dataclasses and enums; no I/O.  The database rows live in ``bontot.store``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class UnitKind(StrEnum):
    """Kinds of party organisation in the roster tree (rules.md, "Organisation tree")."""

    DANG_BO_TINH = "dang_bo_tinh"  # the province (root)
    DANG_BO_TRUC_THUOC = "dang_bo_truc_thuoc"  # cấp huyện và tương đương
    DANG_BO_CO_SO = "dang_bo_co_so"
    DANG_BO_BO_PHAN = "dang_bo_bo_phan"  # between a đảng bộ cơ sở and its chi bộ
    CHI_BO_CO_SO = "chi_bo_co_so"
    CHI_BO = "chi_bo"

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self]

    @property
    def is_grassroots_candidate(self) -> bool:
        """Units that register, report yearly and can be recognised "bốn tốt"."""
        return self in (UnitKind.CHI_BO, UnitKind.CHI_BO_CO_SO, UnitKind.DANG_BO_CO_SO)

    @property
    def rule_family(self) -> str:
        """``chi_bo`` rules apply to chi bộ and chi bộ cơ sở; ``dang_bo_co_so`` to đảng bộ cơ sở."""
        if self in (UnitKind.CHI_BO, UnitKind.CHI_BO_CO_SO):
            return "chi_bo"
        if self is UnitKind.DANG_BO_CO_SO:
            return "dang_bo_co_so"
        return "other"


UNIT_KIND_LABELS: dict[UnitKind, str] = {
    UnitKind.DANG_BO_TINH: "Đảng bộ tỉnh",
    UnitKind.DANG_BO_TRUC_THUOC: "Đảng bộ trực thuộc",
    UnitKind.DANG_BO_CO_SO: "Đảng bộ cơ sở",
    UnitKind.DANG_BO_BO_PHAN: "Đảng bộ bộ phận",
    UnitKind.CHI_BO_CO_SO: "Chi bộ cơ sở",
    UnitKind.CHI_BO: "Chi bộ",
}


class UnitType(StrEnum):
    """Loại hình (forms.md, Mẫu 01-ĐK)."""

    THON_TO_DAN_PHO = "thon_to_dan_pho"
    CO_QUAN = "co_quan"
    DOANH_NGHIEP = "doanh_nghiep"
    DON_VI_SU_NGHIEP = "don_vi_su_nghiep"
    LUC_LUONG_VU_TRANG = "luc_luong_vu_trang"
    KHAC = "khac"

    @property
    def label(self) -> str:
        return UNIT_TYPE_LABELS[self]


UNIT_TYPE_LABELS: dict[UnitType, str] = {
    UnitType.THON_TO_DAN_PHO: "Thôn, tổ dân phố",
    UnitType.CO_QUAN: "Cơ quan",
    UnitType.DOANH_NGHIEP: "Doanh nghiệp",
    UnitType.DON_VI_SU_NGHIEP: "Đơn vị sự nghiệp",
    UnitType.LUC_LUONG_VU_TRANG: "Lực lượng vũ trang",
    UnitType.KHAC: "Khác",
}


class Rating(StrEnum):
    """Proposed classification of a unit-year (rules.md, "Result of a unit-year")."""

    HOAN_THANH_XUAT_SAC = "hoan_thanh_xuat_sac"
    HOAN_THANH_TOT = "hoan_thanh_tot"
    HOAN_THANH = "hoan_thanh"
    KHONG_HOAN_THANH = "khong_hoan_thanh"  # only ever a unit's own proposal on Mẫu 02
    CAN_XEM_XET = "can_xem_xet"

    @property
    def label(self) -> str:
        return RATING_LABELS[self]


RATING_LABELS: dict[Rating, str] = {
    Rating.HOAN_THANH_XUAT_SAC: "Hoàn thành xuất sắc nhiệm vụ",
    Rating.HOAN_THANH_TOT: "Hoàn thành tốt nhiệm vụ",
    Rating.HOAN_THANH: "Hoàn thành nhiệm vụ",
    Rating.KHONG_HOAN_THANH: "Không hoàn thành nhiệm vụ",
    Rating.CAN_XEM_XET: "Cần xem xét",
}

CRITERIA = ("t1", "t2", "t3", "t4")
CRITERION_NAMES: dict[str, str] = {
    "t1": "Hoàn thành tốt nhiệm vụ chính trị",
    "t2": "Chất lượng sinh hoạt tốt",
    "t3": "Đoàn kết, kỷ luật tốt",
    "t4": "Cán bộ, đảng viên tốt",
}


@dataclass(frozen=True)
class Unit:
    """One party organisation of the roster.

    ``issuer_*`` and ``place`` are what documents issued *by* this unit print (header, number
    symbol, place of the date line); they are blank for units that issue nothing.
    """

    code: str
    name: str
    kind: UnitKind
    parent_code: str | None = None
    unit_type: UnitType | None = None
    members: int | None = None
    secretary: str | None = None
    recognising: bool = False  # marked as a recognising committee in the roster
    pilot: bool = False  # chosen for "chỉ đạo làm điểm" (III.2)
    issuer_name: str | None = None  # e.g. "HUYỆN ỦY BA TƠ"
    abbreviation: str | None = None  # e.g. "HU"
    place: str | None = None  # e.g. "Ba Tơ"
    signer_name: str | None = None
    signer_title: str | None = None  # "BÍ THƯ" / "PHÓ BÍ THƯ"
    row: int | None = field(default=None, compare=False)  # Excel row it came from


# The keys of Mẫu 02-TĐG (forms.md) that the rules read, with the label printed on the form:
# the rules' reasons quote the label so a clerk can find the line on paper.
ASSESSMENT_LABELS: dict[str, str] = {
    "year": "Năm đánh giá",
    "months_active": "Số tháng hoạt động trong năm",
    "t1_work_program": "Có chương trình, kế hoạch công tác năm",
    "t1_targets_assigned": "Số chỉ tiêu được giao",
    "t1_targets_met": "Số chỉ tiêu đạt và vượt",
    "t1_admission_target": "Chỉ tiêu kết nạp đảng viên trong năm",
    "t1_admitted": "Số đảng viên kết nạp trong năm",
    "t1_backlog_cases": "Số vụ việc tồn đọng, khiếu nại phức tạp, vượt cấp",
    "t1_other_tasks": "Thực hiện tốt công tác tư tưởng, tổ chức, kiểm tra, giám sát",
    "t1_self": "Tự đánh giá tiêu chí 1",
    "t2_regular_meetings": "Số kỳ sinh hoạt định kỳ đã tổ chức",
    "t2_thematic_meetings": "Số kỳ sinh hoạt chuyên đề",
    "t2_quality_ok": "Chất lượng sinh hoạt đạt yêu cầu theo Hướng dẫn 06-HD/BTCTU",
    "t2_self": "Tự đánh giá tiêu chí 2",
    "t3_working_rules": "Có quy chế làm việc và thực hiện đúng quy chế",
    "t3_violations": "Số đảng viên vi phạm những điều đảng viên không được làm",
    "t3_external_detection": "Có vi phạm do báo chí, người dân phát hiện, phản ánh đúng sự việc",
    "t3_self": "Tự đánh giá tiêu chí 3",
    "t4_movement": "Tổ chức phong trào rèn luyện theo tiêu chí 04 tốt",
    "members_total": "Tổng số đảng viên",
    "members_evaluated": "Số đảng viên được đánh giá, xếp loại",
    "rated_excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "rated_good": "Hoàn thành tốt nhiệm vụ",
    "rated_complete": "Hoàn thành nhiệm vụ",
    "rated_incomplete": "Không hoàn thành nhiệm vụ",
    "t4_self": "Tự đánh giá tiêu chí 4",
    "sub_cells_total": "Tổng số chi bộ trực thuộc",
    "sub_cells_four_good": 'Số chi bộ trực thuộc đạt "chi bộ bốn tốt"',
    "self_title": "Tự đánh giá danh hiệu bốn tốt",
    "proposed_rating": "Đề nghị xếp loại",
}
