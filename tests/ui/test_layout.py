"""The layout decisions without a window: shape, tile rows and pages, stages, the item search."""

from __future__ import annotations

from kiosk.layout import LANDSCAPE, PORTRAIT, pack_rows, paginate, shape_for, stages_for
from kiosk.search import ItemSearch
from local_api.schemas import ServiceItemSummary


def test_the_shape_follows_the_window():
    assert shape_for((1080, 1920)) == PORTRAIT
    assert shape_for((1920, 1080)) == LANDSCAPE
    assert shape_for((1280, 1024)) == LANDSCAPE


def test_themes_share_rows_without_splitting_a_small_theme():
    groups = [("大厅服务", ["取号", "签到", "进度"]), ("民政养老", ["优待证"]), ("住房公积金", ["查询", "证明"]),
              ("企业开办", ["预审"])]
    rows = pack_rows(groups, 5)
    assert [[(b.theme, len(b.items)) for b in row] for row in rows] == [
        [("大厅服务", 3), ("民政养老", 1), ("企业开办", 1)], [("住房公积金", 2)]]
    assert all(sum(len(b.items) for b in row) <= 5 for row in rows)


def test_a_theme_longer_than_a_row_continues_below_its_start():
    rows = pack_rows([("A", list("abcde")), ("B", ["x"])], 3)
    placed = [[(b.theme, b.items, b.continued) for b in row] for row in rows]
    assert placed[0] == [("A", ("a", "b", "c"), False)]
    assert ("A", ("d", "e"), True) in placed[1]
    assert ("B", ("x",), False) in placed[1]  # the small theme fills the gap after A's continuation


def test_pages_and_a_shorter_first_page_for_elder_mode():
    rows = list(range(7))
    assert paginate(rows, 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert paginate(rows, 3, first_page=2) == [[0, 1], [2, 3, 4], [5, 6]]
    assert paginate([], 3) == [[]]


def test_stages_follow_the_items_steps():
    kinds = ["guide", "consent", "identify", "form", "choose", "capture", "review", "submit", "print", "rate",
             "done"]
    first = stages_for(kinds, 1)
    assert first.names == ("identify", "fill", "capture", "review", "submit", "print") and first.current == -1
    assert stages_for(kinds, 5).current == 1  # choose is part of 填写
    assert stages_for(kinds, 10).current == 6  # rating: every stage done
    ticket = stages_for(["identify", "print", "done"], 2)
    assert ticket.names == ("identify", "print") and ticket.current == 1
    assert stages_for(["guide", "done"], 1).names == ()


def _items():
    return [ServiceItemSummary(code="gjj", name="住房公积金个人账户查询", theme="住房公积金"),
            ServiceItemSummary(code="qh", name="取号", theme="大厅服务"),
            ServiceItemSummary(code="hj", name="户籍证明开具", theme="户籍办理"),
            ServiceItemSummary(code="gjj-zm", name="住房公积金缴存证明打印", theme="住房公积金")]


def test_search_by_pinyin_initials_whole_pinyin_and_characters():
    search = ItemSearch(_items())
    assert [i.code for i in search.find("gjj")] == ["gjj", "gjj-zm"]
    assert [i.code for i in search.find("zf")] == ["gjj", "gjj-zm"]  # 住房 starts both names
    assert [i.code for i in search.find("huji")] == ["hj"]
    assert [i.code for i in search.find("QH")] == ["qh"]
    assert [i.code for i in search.find("证明")] == ["hj", "gjj-zm"]
    assert search.find("xyz") == [] and search.find("") == []


def test_initials_from_the_start_rank_before_initials_inside_the_name():
    search = ItemSearch([ServiceItemSummary(code="a", name="社保缴费证明", theme=""),
                         ServiceItemSummary(code="b", name="证明打印", theme="")])
    assert [i.code for i in search.find("zm")] == ["b", "a"]
