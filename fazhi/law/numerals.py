"""Chinese numerals as statutes write them (第一百一十九条, 第二十一款, （十二）).

>>> chinese_numeral(0), chinese_numeral(10), chinese_numeral(15), chinese_numeral(110)
('零', '十', '十五', '一百一十')
>>> chinese_numeral(101), chinese_numeral(1005)
('一百零一', '一千零五')
>>> parse_chinese_numeral("一百四十四")
144
"""

DIGITS = "零一二三四五六七八九"
UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def chinese_numeral(number: int) -> str:
    """Return NUMBER (0–9999) written in Chinese, with 十 alone for 10–19 as laws do."""
    if not 0 <= number <= 9999:
        raise ValueError(f"chinese_numeral takes 0 to 9999, not {number}")
    if number < 10:
        return DIGITS[number]
    out: list[str] = []
    rest = number
    pending_zero = False
    for value, unit in UNITS:
        digit, rest = divmod(rest, value)
        if digit:
            if pending_zero:
                out.append("零")
                pending_zero = False
            # 一十 is written 十 only when it leads the number (十五, but 一百一十五).
            if not (value == 10 and digit == 1 and not out):
                out.append(DIGITS[digit])
            out.append(unit)
        elif out:
            pending_zero = True
    if rest:
        if pending_zero:
            out.append("零")
        out.append(DIGITS[rest])
    return "".join(out)


def parse_chinese_numeral(text: str) -> int:
    """Return the integer that a Chinese numeral such as 一百零一 or 十五 stands for."""
    if not text:
        raise ValueError("empty numeral")
    unit_values = {"十": 10, "百": 100, "千": 1000}
    total = 0
    digit: int | None = None
    for char in text:
        if char in DIGITS:
            digit = DIGITS.index(char)
        elif char in unit_values:
            total += (1 if digit is None else digit) * unit_values[char]
            digit = None
        else:
            raise ValueError(f"{text!r} is not a Chinese numeral ({char!r})")
    if digit:
        total += digit
    return total
