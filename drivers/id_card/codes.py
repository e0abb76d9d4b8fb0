"""Code tables on the card (sex GB/T 2261.1, nation GB/T 3304) and the GB 11643 ID number check."""

from __future__ import annotations

import datetime as dt

SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

NATIONS = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝", "08": "壮",
    "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白", "15": "土家", "16": "哈尼",
    "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤", "22": "畲", "23": "高山", "24": "拉祜",
    "25": "水", "26": "东乡", "27": "纳西", "28": "景颇", "29": "柯尔克孜", "30": "土", "31": "达斡尔",
    "32": "仫佬", "33": "羌", "34": "布朗", "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯",
    "39": "阿昌", "40": "普米", "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克",
    "46": "德昂", "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春",
    "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺", "97": "其他", "98": "外国血统中国籍人士",
}

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def sex_name(code: str) -> str:
    """The sex for a GB/T 2261.1 code; anything unlisted is 未知 (unknown)."""
    return SEXES.get(code, SEXES["0"])


def nation_name(code: str) -> str:
    """The nation for a GB/T 3304 code; an unlisted code is shown as itself."""
    return NATIONS.get(code, code)


def check_char(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def id_number_problems(number: str, *, birth_date: str = "", sex_code: str = "") -> list[str]:
    """What is wrong with an 18-character ID number (empty when it is sound).

    Checks the check character, the embedded birth date and, when given, that the date and the
    sex parity (odd = male) agree with the card's other fields. Messages never contain the number.
    """
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return ["not 17 digits followed by a check character"]
    problems = []
    if number[17].upper() != check_char(number[:17]):
        problems.append("check character does not match (GB 11643)")
    embedded = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    try:
        dt.date.fromisoformat(embedded)
    except ValueError:
        problems.append("embedded birth date is not a date")
    else:
        if birth_date and birth_date != embedded:
            problems.append("embedded birth date differs from the card's birth date")
    if sex_code in ("1", "2") and int(number[16]) % 2 != int(sex_code) % 2:
        problems.append("sequence parity does not match the card's sex")
    return problems


def permit_2017_problems(number: str, *, birth_date: str = "", nationality: str = "") -> list[str]:
    """Structural checks for a 15-character 2017 foreign permanent resident number (no MOD 11-2).

    Layout: 3-letter nationality, 4-digit accepting-office code, birth date YYMMDD, 2 more digits.
    """
    if len(number) != 15 or not (number[:3].isascii() and number[:3].isalpha() and number[3:].isdigit()):
        return ["not 3 letters followed by 12 digits"]
    problems = []
    if nationality and number[:3].upper() != nationality.upper():
        problems.append("nationality prefix differs from the card's nationality")
    if birth_date and birth_date[2:4] + birth_date[5:7] + birth_date[8:10] != number[7:13]:
        problems.append("embedded birth date differs from the card's birth date")
    return problems
