"""The fast QR encoder gives exactly the symbol reportlab's encoder gives for one of the masks,
picks the mask with the lowest penalty, decodes with an independent reader (zbar), and keeps
drawing the symbols issued certificates already carry."""
from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
from PIL import Image

from app.certificates.qr import _rows, _symbol, penalty, qr_matrix

TEXTS = [
    "http://campus.test/verify/abcDEF123456789xyzAB",
    "https://zertifikate.example.org/verify/" + "x" * 24,
    "https://example.org/" + "ä" * 40,  # multi-byte UTF-8
    "https://example.org/" + "a" * 200,  # version 10+: 16-bit character count
]


@pytest.mark.parametrize("text", TEXTS)
def test_symbol_matches_reportlab_with_the_best_mask(text):
    n, rows = qr_matrix(text)
    candidates = {mask: tuple(_rows(_symbol(text, None, mask).modules)) for mask in range(8)}
    matching = [mask for mask, symbol in candidates.items() if symbol == rows]
    assert matching, "not a valid symbol for any mask"
    assert penalty(list(rows), n) == min(penalty(list(symbol), n) for symbol in candidates.values())


# sha256 of repr((module count, rows)) as qr_matrix returned them when these symbols were first
# issued. A re-rendered certificate must be byte for byte the issued one, so an encoder change that
# moves a single module (another library, another pad or mask rule) must fail here, not in the field.
ISSUED = {
    TEXTS[0]: "0460ec218b6036b5cec29c622089ba66",
    TEXTS[1]: "0174376050d0ddef57d330075eeb6658",
    TEXTS[2]: "9b803a7511219e17f344e3b4e1ae0d23",
    TEXTS[3]: "1f8741ddfa42f539f622130287b52fa4",
}


@pytest.mark.parametrize("text", TEXTS)
def test_symbols_of_issued_certificates_do_not_change(text):
    assert hashlib.sha256(repr(qr_matrix(text)).encode()).hexdigest()[:32] == ISSUED[text]


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed (make test installs it)")
@pytest.mark.parametrize("text", TEXTS)
def test_symbol_decodes_with_zbar(text, tmp_path):
    n, rows = qr_matrix(text)
    border, scale = 4, 6
    image = Image.new("1", (n + 2 * border, n + 2 * border), 1)
    for r, bits in enumerate(rows):
        for c in range(n):
            if bits >> (n - 1 - c) & 1:
                image.putpixel((c + border, r + border), 0)
    image.resize((image.width * scale, image.height * scale), Image.NEAREST).save(tmp_path / "qr.png")
    # -Sbinary: the bytes as encoded; otherwise zbar guesses a charset and reads UTF-8 "ä" as CJK
    decoded = subprocess.run(["zbarimg", "-q", "--raw", "-Sbinary", str(tmp_path / "qr.png")], capture_output=True, check=True).stdout
    assert decoded.decode("utf-8").rstrip("\n") == text
