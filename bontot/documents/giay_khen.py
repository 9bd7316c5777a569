"""giay-khen: the certificate, landscape A4, one per rewarded unit, and the committee's batch.

The template loops over ``certificates``: one certificate is a batch of one, and the print
batch (every certificate of a committee, a page each) is the same template given them all, so
the single and the merged .docx can never drift apart.
"""

from __future__ import annotations

from typing import Any

from bontot.documents import rewards
from bontot.documents.base import MOVEMENT, REVIEWS, Document, DocumentRequest, Facts
from bontot.documents.qd_khen_thuong import KIND as DECISION
from bontot.documents.qd_khen_thuong import review_day
from bontot.models import Unit

KIND = "giay-khen"
TEMPLATE = "giay-khen.docx"
BATCH_KEY = "giay-khen-ban-in"


def build(facts: Facts, request: DocumentRequest, committee: Unit) -> list[Document]:
    review = request.review
    assert review is not None
    awards = rewards.certificates(facts, review, committee)
    if not awards:
        return []
    issuer = facts.issuer(committee)
    day = review_day(facts, request)
    num = request.number(DECISION, committee.code)
    header = issuer.header("QUYẾT ĐỊNH", day, num, facts.style)
    shared = {
        "superior": header["superior"],
        "issuer": header["issuer"],
        "place_date": header["place_date"],
        "on_behalf": header["on_behalf"],
        "signer_title": header["signer_title"],
        "signer_name": header["signer_name"],
        "standing": issuer.standing,
        "reason": f"Đã hoàn thành xuất sắc phong trào thi đua xây dựng {MOVEMENT}",
        "period": f"giai đoạn {facts.period_label(review)}",
        "decision": "Quyết định " + issuer.reference("QUYẾT ĐỊNH", day, num, facts.style),
    }
    batch = f"{KIND}-{review}-{committee.code}"
    docs = []
    cards: list[dict[str, Any]] = []
    for award in awards:
        unit = award.unit
        parent = unit.parent_code
        card = {
            "unit_name": unit.name,
            # A chi bộ of a đảng bộ cơ sở: say whose, "Chi bộ Thôn 1" is not unique.
            "parent": facts.parent_name(unit) if parent and parent != committee.code else "",
        }
        cards.append(card)
        docs.append(
            Document(
                kind=KIND,
                key=f"{KIND}/{unit.code}",
                template=TEMPLATE,
                committee=committee,
                stem=f"{KIND}-{review}-{unit.code}",
                context={**shared, "certificates": [card]},
                title=f"Giấy khen {REVIEWS[review]} - {unit.name}",
                batch=batch,
            )
        )
    docs.append(
        Document(
            kind=KIND,
            key=BATCH_KEY,
            template=TEMPLATE,
            committee=committee,
            stem=f"{batch}-ban-in",
            context={**shared, "certificates": cards},
            title=f"Giấy khen {REVIEWS[review]} - bản in",
            merges=batch,
            warnings=tuple(issuer.warnings()),
        )
    )
    return docs
