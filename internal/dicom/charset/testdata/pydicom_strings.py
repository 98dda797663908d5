"""Print every text value of the DICOM files named on the command line as
JSON lines: the Specific Character Set in effect, the VR, the raw bytes
(base64) and pydicom's decoding of them. Used by TestAgainstPydicom.

Values are not printed by the Go test on failure beyond the file and tag,
and the files are pydicom's public samples (no real patient data)."""
import base64
import json
import sys
import warnings

import pydicom
from pydicom import charset

TEXT_VRS = {"SH", "LO", "ST", "LT", "UC", "UT", "PN"}
TEXT_DELIMS = {0x0D, 0x0A, 0x09, 0x0C}


def walk(ds, scs, path, out):
    raw_scs = ds.get_item(0x00080005)
    if raw_scs is not None and raw_scs.value:
        v = raw_scs.value
        if isinstance(v, bytes):
            v = v.decode("ascii", "replace")
        if isinstance(v, str):
            scs = v.split("\\")
        else:
            scs = list(v)
        scs = [s.strip(" \x00") for s in scs]
    for tag in ds.keys():
        elem = ds.get_item(tag)
        vr = getattr(elem, "VR", None)
        if vr == "SQ" or (vr is None and ds[tag].VR == "SQ"):
            for i, item in enumerate(ds[tag].value):
                walk(item, scs, path + ["%08X" % tag, str(i)], out)
            continue
        if vr not in TEXT_VRS or not isinstance(elem.value, bytes):
            continue
        raw = elem.value
        delims = set(TEXT_DELIMS)
        if vr == "PN":
            delims |= {0x5E, 0x3D}
        if vr not in ("LT", "ST", "UT"):
            delims |= {0x5C}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                encodings = charset.convert_encodings(scs or ["ISO_IR 6"])
                if vr == "PN":
                    # As PersonName decodes: split at "\\" and "=" first;
                    # but keep empty trailing groups, as the Go decoder
                    # returns the value as it is.
                    want = "\\".join(
                        "=".join(charset.decode_bytes(g, encodings, {0x5E}) for g in v.split(b"="))
                        for v in raw.split(b"\\")
                    )
                else:
                    want = charset.decode_bytes(raw, encodings, delims)
            except Exception:
                continue
        out.write(json.dumps({
            "path": "/".join(path + ["%08X" % tag]),
            "scs": scs or [],
            "vr": vr,
            "raw": base64.b64encode(raw).decode(),
            "want": want,
        }) + "\n")


def main():
    for name in sys.argv[1:]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(name, stop_before_pixels=True, force=True)
        except Exception:
            continue
        walk(ds, None, [name.rsplit("/", 1)[-1]], sys.stdout)


if __name__ == "__main__":
    main()
