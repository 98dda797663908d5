"""Print synthetic text values as JSON lines for TestSyntheticFromPydicom:
random strings from each character repertoire, encoded by pydicom's
encoder (which writes the ISO 2022 escape sequences itself), with the
original string as the expected decoding. Deterministic: fixed seed.

Usage: pydicom_synthetic.py COUNT_PER_CASE"""
import base64
import json
import random
import sys
import warnings

from pydicom import charset


def from_bytes(codec, pairs):
    out = []
    for b in pairs:
        try:
            out.append(bytes(b).decode(codec))
        except UnicodeDecodeError:
            pass
    return "".join(c for c in out if len(c) == 1)


def high_chars(codec):
    return from_bytes(codec, [[b] for b in range(0xA1, 0x100)])


rng = random.Random(20261129)
ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-'"
KATAKANA = "".join(chr(c) for c in range(0xFF61, 0xFFA0))
JIS0208 = from_bytes("euc_jp", [[b1, b2] for b1 in range(0xA4, 0xA6) for b2 in range(0xA1, 0xF4)]
                     + [[b1, b2] for b1 in range(0xB0, 0xD0) for b2 in range(0xA1, 0xFF)])
JIS0212 = from_bytes("euc_jp", [[0x8F, b1, b2] for b1 in range(0xB0, 0xED) for b2 in range(0xA1, 0xFF)])
KSX1001 = from_bytes("euc_kr", [[b1, b2] for b1 in range(0xB0, 0xC9) for b2 in range(0xA1, 0xFF)]
                     + [[b1, b2] for b1 in range(0xCA, 0xFE) for b2 in range(0xA1, 0xFF)])
GB2312 = from_bytes("gb2312", [[b1, b2] for b1 in range(0xB0, 0xF8) for b2 in range(0xA1, 0xFF)])
SINGLE = {
    "ISO_IR 100": high_chars("latin_1"),
    "ISO_IR 101": high_chars("iso8859_2"),
    "ISO_IR 109": high_chars("iso8859_3"),
    "ISO_IR 110": high_chars("iso8859_4"),
    "ISO_IR 144": high_chars("iso8859_5"),
    "ISO_IR 127": high_chars("iso8859_6"),
    "ISO_IR 126": high_chars("iso8859_7"),
    "ISO_IR 138": high_chars("iso8859_8"),
    "ISO_IR 148": high_chars("iso8859_9"),
    "ISO_IR 166": high_chars("tis_620"),
}


def word(*alphabets, n=None):
    n = n or rng.randint(1, 8)
    return "".join(rng.choice(rng.choice(alphabets)) for _ in range(n))


def unicode_word():
    out = []
    for _ in range(rng.randint(1, 8)):
        c = rng.choice([rng.randint(0x20, 0x7E), rng.randint(0xA0, 0xD7FF), rng.randint(0xE000, 0xFFFD),
                        rng.randint(0x10000, 0x10FFFF)])
        # The Private Use Area is left out: Python maps GB18030's
        # user-defined two-byte areas into it, golang.org/x/text does not
        # (those bytes decode as U+FFFD with ErrInvalidBytes).
        if chr(c) not in "\\^=" and not 0xE000 <= c <= 0xF8FF:
            out.append(chr(c))
    return "".join(out) or "x"


def cases():
    # (Specific Character Set, VR, generator of component strings per group)
    yield ["", "ISO 2022 IR 87"], "PN", [lambda: word(ASCII), lambda: word(JIS0208), lambda: word(JIS0208)]
    yield ["ISO 2022 IR 13", "ISO 2022 IR 87"], "PN", [lambda: word(KATAKANA), lambda: word(JIS0208), lambda: word(JIS0208)]
    yield ["", "ISO 2022 IR 87", "ISO 2022 IR 159"], "LO", [lambda: word(ASCII, JIS0208, JIS0212)]
    yield ["", "ISO 2022 IR 149"], "PN", [lambda: word(ASCII), lambda: word(KSX1001), lambda: word(KSX1001, ASCII)]
    yield ["", "ISO 2022 IR 58"], "PN", [lambda: word(ASCII), lambda: word(GB2312), lambda: word(GB2312, ASCII)]
    yield ["ISO 2022 IR 100", "ISO 2022 IR 126", "ISO 2022 IR 144"], "LO", [
        lambda: word(ASCII, SINGLE["ISO_IR 100"], SINGLE["ISO_IR 126"], SINGLE["ISO_IR 144"])]
    yield ["ISO 2022 IR 100", "ISO 2022 IR 101", "ISO 2022 IR 148"], "LT", [
        lambda: word(ASCII, SINGLE["ISO_IR 100"], SINGLE["ISO_IR 101"], SINGLE["ISO_IR 148"], ["\r\n"])]
    for term, chars in SINGLE.items():
        yield [term], "PN", [lambda chars=chars: word(ASCII, chars)] * 3
    yield ["ISO_IR 13"], "SH", [lambda: word(ASCII, KATAKANA)]
    yield ["GB18030"], "LO", [unicode_word]
    yield ["ISO_IR 192"], "LO", [unicode_word]


def encode(scs, vr, text):
    encodings = charset.convert_encodings(scs)
    if scs[0] in ("GB18030", "ISO_IR 192"):
        return text.encode("gb18030" if scs[0] == "GB18030" else "utf-8")
    sep = {"PN": "=", "LO": "\\", "SH": "\\", "LT": "\r\n"}[vr]
    parts = text.split(sep)
    out = []
    for p in parts:
        if vr == "PN":
            out.append(b"^".join(charset.encode_string(c, encodings) for c in p.split("^")))
        else:
            out.append(charset.encode_string(p, encodings))
    return sep.encode().join(out)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    warnings.simplefilter("error")
    for scs, vr, groups in cases():
        for _ in range(count):
            if vr == "PN":
                text = "=".join("^".join(g() for _ in range(rng.randint(1, 3))) for g in groups[:rng.randint(1, len(groups))])
            else:
                text = {"LT": "\r\n"}.get(vr, "\\").join(groups[0]() for _ in range(rng.randint(1, 3)))
            try:
                raw = encode(scs, vr, text)
            except Exception:
                continue
            print(json.dumps({"path": "synthetic", "scs": scs, "vr": vr,
                              "raw": base64.b64encode(raw).decode(), "want": text}))


if __name__ == "__main__":
    main()
