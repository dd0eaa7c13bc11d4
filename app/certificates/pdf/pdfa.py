"""PDF/A-2b post-processing of reportlab's output in one pikepdf pass: the sRGB output intent,
the XMP metadata, the images of page 1 and the document information (with the seal's entries)."""
from __future__ import annotations

import io
import zlib
from datetime import date
from functools import lru_cache
from xml.sax.saxutils import escape as xml_escape  # nosec B406 - escape() for PDF text markup only; nothing parses XML

import pikepdf
from PIL import Image, ImageCms


# The ICC header's creation date (bytes 24–35, six big-endian uint16), fixed: littleCMS writes
# the current second there, which made a certificate re-rendered in another process differ in
# those bytes and, through them, in the trailer /ID. The profile ID (bytes 84–99) stays zero
# ("not computed"), so nothing else depends on the date.
_ICC_DATE = bytes.fromhex("07d0" "0001" "0001" "0000" "0000" "0000")  # 2000-01-01 00:00:00


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile[:24] + _ICC_DATE + profile[36:]


@lru_cache(maxsize=64)
def _image_streams(digest: str, content: bytes) -> tuple[int, int, bytes, bytes | None]:
    """(width, height, Flate-compressed RGB, Flate-compressed alpha or None), once per image."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        alpha = image.getchannel("A") if image.mode in ("RGBA", "LA") or "transparency" in image.info else None
        if alpha is not None and image.mode != "RGBA":
            alpha = image.convert("RGBA").getchannel("A")
        rgb = image.convert("RGB")
        return (image.width, image.height, zlib.compress(rgb.tobytes(), 9),
                zlib.compress(alpha.tobytes(), 9) if alpha is not None and alpha.getextrema() != (255, 255) else None)


_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:CreatorTool>Smart City Campus</xmp:CreatorTool>
   <pdf:Producer>Smart City Campus</pdf:Producer>
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def to_pdfa(pdf: bytes, title: str, author: str, subject: str = "", seal: dict | None = None,
            images: list[tuple] = (), created: str = "2000-01-01") -> bytes:
    """reportlab writes no PDF/A: add an sRGB output intent and PDF/A-2b XMP metadata (written
    from a template, matching the document information entries), the images of page 1 as
    pre-encoded XObjects, and the signed certificate data as custom information entries."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        icc = pikepdf.Stream(document, _srgb_profile())
        icc["/N"] = 3
        document.Root.OutputIntents = pikepdf.Array([
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
                Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=icc,
            )
        ])
        if images:
            _place_images(document, document.pages[0], images)
        day = date.fromisoformat(created)
        info = pikepdf.Dictionary(
            Title=pikepdf.String(title), Author=pikepdf.String(author), Subject=pikepdf.String(subject),
            Creator=pikepdf.String("Smart City Campus"), Producer=pikepdf.String("Smart City Campus"),
            CreationDate=pikepdf.String(f"D:{day:%Y%m%d}000000Z"), ModDate=pikepdf.String(f"D:{day:%Y%m%d}000000Z"),
        )
        for key, value in (seal or {}).items():
            info[pikepdf.Name(key)] = pikepdf.String(value)
        document.trailer.Info = document.make_indirect(info)
        xmp = _XMP.format(title=xml_escape(title), author=xml_escape(author), subject=xml_escape(subject),
                          date=f"{day:%Y-%m-%d}T00:00:00Z")
        metadata = pikepdf.Stream(document, xmp.encode("utf-8"))
        metadata.Type, metadata.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
        document.Root.Metadata = metadata
        out = io.BytesIO()
        document.save(out, deterministic_id=True, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        return out.getvalue()


def _place_images(document: pikepdf.Pdf, page: pikepdf.Page, images: list[tuple]) -> None:
    resources = page.obj.Resources
    if "/XObject" not in resources:
        resources.XObject = pikepdf.Dictionary()
    operators = []
    for index, (digest, content, x, y, width, height) in enumerate(images):
        pixels_w, pixels_h, rgb, alpha = _image_streams(digest, content)
        image = pikepdf.Stream(document, b"")
        image.write(rgb, filter=pikepdf.Name.FlateDecode)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = pixels_w, pixels_h, 8
        image.ColorSpace = pikepdf.Name.DeviceRGB
        if alpha is not None:
            mask = pikepdf.Stream(document, b"")
            mask.write(alpha, filter=pikepdf.Name.FlateDecode)
            mask.Type, mask.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
            mask.Width, mask.Height, mask.BitsPerComponent = pixels_w, pixels_h, 8
            mask.ColorSpace = pikepdf.Name.DeviceGray
            image.SMask = mask
        name = f"/CampusImage{index}"
        resources.XObject[name] = image
        # fit into the box, keeping the aspect ratio, anchored bottom-left
        scale = min(width / pixels_w, height / pixels_h)
        operators.append(f"q {pixels_w * scale:.3f} 0 0 {pixels_h * scale:.3f} {x:.3f} {y:.3f} cm {name} Do Q")
    page.contents_add(pikepdf.Stream(document, "\n".join(operators).encode("ascii")), prepend=False)
