"""The document type the hub is told for each way a citizen identified."""

import pytest

from local_api.codes import id_type


@pytest.mark.parametrize(
    ("card_type", "expected"),
    [
        ("resident", "111"),  # 居民身份证
        ("manual", "111"),  # typed in by hand, it passed the GB 11643 check
        ("foreign_permanent", "553"),  # 外国人永久居留身份证
        ("hmt_residence", "999"),  # 港澳台居民居住证: no published code
        ("something_new", "999"),
    ],
)
def test_each_card_kind_is_sent_with_its_document_code(card_type, expected):
    assert id_type({"card_type": card_type}) == expected


def test_an_applicant_without_a_card_kind_is_a_resident():
    assert id_type({}) == "111"
