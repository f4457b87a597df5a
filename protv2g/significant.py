"""Numbers to the digits a reader is shown: the workbook's cells, the ordering of equal margins,
and the numbers written in prose.

The engine's last digits are solver noise: two numba cache orders differ by up to 1e-15
(design notes, "The machine"), so a value printed with 16 digits claims 16 known ones, and two
margins equal to 1e-15 compare as different, so which of them is "the worst" would depend on
the cache. :data:`SIGNIFICANT_DIGITS` digits keep every difference the checks act on (1e-9 s
on a 1 s time) and sit far below the accuracy of the device data the values rest on: a
numerical relay's operate time is declared to 5 % (IEC 60255-151:2009 accuracy class E5,
``relay_library/rules.yaml`` ``numerical_relay``), and an expulsion fuse link's maximum
melting current is 1.2 × its minimum (ANSI C37.43 K/T melting-current ranges,
``relay_library/fuse_links.yaml``).

Prose — the Summary memo, finding trend texts, hosting notes, Charger stages labels — writes
:data:`TEXT_DIGITS` (4) significant digits (review s15: "margins at 10 significant digits" in
the memo claim a precision the data do not have): 4 digits resolve 0.1 % of a value, 50× finer
than the 5 % class above, so no margin that decides a verdict reads as another. The cells
beside the text keep 10, and so do the gate's reasons (its ``--json`` and the workbook's
data); the memo shortens the reasons it quotes (:func:`short_numbers`).

Examples
--------
>>> round_significant([3622.370212095586, 1 / 3]).tolist()
[3622.370212, 0.3333333333]
"""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["MINUS", "SIGNIFICANT_DIGITS", "TEXT_DIGITS", "kw_text", "number_text",
           "percent_text", "round_significant", "short_numbers"]

#: Significant digits of a float shown in a cell (the side files, Parquet or CSV, keep full
#: precision) and of a margin compared for ties (:func:`protv2g.findings_rows.worst_order`).
SIGNIFICANT_DIGITS = 10
#: The minus sign of a number written in text: U+2212 MINUS SIGN, the sign ISO 80000-2 gives
#: for subtraction and negative values (a hyphen reads as a dash in "margin -0.12"); the
#: report's cells already write a negative margin in text with it.
MINUS = "\u2212"
#: Significant digits of a number written in prose (module docstring).
TEXT_DIGITS = 4


def round_significant(values: ArrayLike, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """``values`` (float) rounded to ``digits`` significant digits, as ``float(f"{v:.10g}")``
    (NaN, ±inf and 0 unchanged; a half-way case may round the other way)."""
    x = np.asarray(values, dtype=float)
    out = x.copy()
    fin = np.isfinite(x) & (x != 0)
    if not fin.any():
        return out
    v = x[fin]
    k = (digits - 1 - np.floor(np.log10(np.abs(v)))).astype(np.int64)
    r = np.empty_like(v)
    up = (k >= 0) & (k <= 22)  # 10**k exact: the quotient is the double nearest the decimal
    r[up] = np.round(v[up] * 10.0 ** k[up]) / 10.0 ** k[up]
    down = (k < 0) & (k >= -22)
    r[down] = np.round(v[down] / 10.0 ** -k[down]) * 10.0 ** -k[down]
    rest = ~(up | down)  # below 1e-13 or above 1e31: by text
    r[rest] = [float(f"{y:.{digits}g}") for y in v[rest].tolist()]
    out[fin] = r
    return out


def number_text(value: float, unit: str = "", digits: int = TEXT_DIGITS) -> str:
    """``value`` as the report writes a number in text (finding trends, hosting notes, the
    Summary): ``digits`` significant digits (:data:`TEXT_DIGITS` in prose; the gate's
    reasons pass :data:`SIGNIFICANT_DIGITS`, as the cells), positional (no exponent below
    ``digits`` digits), :data:`MINUS` for a negative sign, "never" for +inf (as a trip time
    is shown), ``unit`` after a space (a ``fraction`` in %); "" for NaN.

    >>> number_text(-0.06652666332, "fraction")
    '−6.653 %'
    >>> number_text(-0.11554702871234, "s", SIGNIFICANT_DIGITS), number_text(float("inf"), "s")
    ('−0.1155470287 s', 'never')
    >>> number_text(12345.6, "kW")
    '12350 kW'
    """
    x = float(value)
    if x != x:
        return ""
    if unit == "fraction":  # a change of current read as a percentage, as the trend texts
        x, unit = x * 100.0, "%"
    if x == float("inf"):
        return "never"
    text = format(x, f".{digits}g")
    if "e" in text and digits < SIGNIFICANT_DIGITS and 1e-6 <= abs(x) < 1e15:
        text = np.format_float_positional(float(text), trim="-")
    text = text.replace("-", MINUS)
    return f"{text} {unit}" if unit else text


def kw_text(kw: float, digits: int = 3) -> str:
    """A power in text, kW: whole kW with thousands separators from 1,000 kW on, as the
    Summary's hosting cells and the gate's lines write them (``:,.0f``; ``:.3g`` read
    "1e+03 kW" at 1,000 kW, ``:,.4g`` "1.25e+04 kW" at 12,500 kW), ``digits`` significant
    digits below (a 4.5 kW home, 29.8 kW of reverse power), positional, U+2212 for a minus
    (:func:`number_text`). An estimate given to 2 digits keeps them at any size
    ("≈ 1,200 kW"). The hosting notes, the hosting band and ``validate``'s site-load lines
    write kW with it.

    >>> kw_text(1000.0), kw_text(12345.6), kw_text(999.6), kw_text(4.5), kw_text(1234.0, 2)
    ('1,000', '12,346', '1,000', '4.5', '1,200')
    """
    x = float(kw)
    r = float(f"{x:.{digits}g}") if np.isfinite(x) else x
    if not abs(r) >= 1000.0:  # NaN and inf too: number_text's words
        return number_text(x, digits=digits)
    return f"{(r if digits < 3 else x):,.0f}".replace("-", MINUS)


# a decimal number standing alone (not inside a name such as ``F1.2a``, a version ``2.14.11``
# or a thousands group ``8,080.5``), with an optional minus (U+2212 or hyphen) and an optional
# exponent (``−3.07170779e−05``: the report writes a margin below 1e-4 so; EPRI ckt24, s16)
_DECIMAL = re.compile(
    r"(?<![\w.,])([\u2212-]?)(\d+)\.(\d+)(?:[eE]([\u2212+-]?)(\d+))?(?![\w.])")


def short_numbers(text: str, digits: int = TEXT_DIGITS) -> str:
    """``text`` with each decimal number of more than ``digits`` significant digits rounded
    to ``digits`` (positional; a number written with an exponent keeps it, its mantissa
    rounded); integers, names and words unchanged — the gate's reasons as prose quotes them
    (the terminal, the Summary memo).

    >>> short_numbers("margin \u2212114.5228718 A; 3 row(s); rule C2; 0.2-1 s")
    'margin \u2212114.5 A; 3 row(s); rule C2; 0.2-1 s'
    >>> short_numbers("margin \u22123.07170779e\u221205 pu")
    'margin \u22123.072e\u221205 pu'
    """
    def short(m: re.Match[str]) -> str:
        sign, whole, frac, exp_sign, exp = m.groups()
        if len((whole + frac).lstrip("0")) <= digits:
            return m.group(0)
        if exp is None:
            x = float(f"{float(whole + '.' + frac):.{digits}g}")
            return sign + np.format_float_positional(x, trim="-")
        e10 = -int(exp) if exp_sign in ("-", "\u2212") else int(exp)
        x = float(f"{float(whole + '.' + frac + 'e' + str(e10)):.{digits}g}")
        mantissa, _, power = np.format_float_scientific(
            x, precision=digits - 1, trim="-", exp_digits=len(exp)).partition("e")
        if power[0] == "-":  # the text's own minus (U+2212 or hyphen), "-" if it had none
            power = (exp_sign if exp_sign in ("-", "\u2212") else "-") + power[1:]
        else:  # "+" only where the text wrote one
            power = ("+" if exp_sign == "+" else "") + power[1:]
        return f"{sign}{mantissa}e{power}"

    return _DECIMAL.sub(short, str(text))


def percent_text(share: float) -> str:
    """A share (1 = 100 %) as a percentage in prose: two significant digits, whole percent
    from 100 % up (a share of a deficit, review s27 §2).

    >>> percent_text(0.018963), percent_text(4.7503), percent_text(0.0023)
    ('1.9 %', '475 %', '0.23 %')
    """
    x = 100.0 * float(share)
    if abs(x) >= 100.0 and np.isfinite(x):
        return number_text(round(x), "%", max(TEXT_DIGITS, len(str(abs(round(x))))))
    return number_text(x, "%", 2)
