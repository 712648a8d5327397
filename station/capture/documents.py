"""Supporting papers: import scans from image or PDF files, or a camera frame; deskew; size to a
budget; each typed.

Every page becomes a JPEG of at most ``MAX_SIDE`` pixels on its long side (A4 at about 200 dpi)
and at most ``PAGE_BUDGET`` bytes. PDFs are rendered page by page with PDFium (pypdfium2).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np

from station import imagecheck
from station.devices import Acquired, DeviceInfo, DeviceKind, Image, Prompter
from station.errors import ValidationError

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_PIXELS = imagecheck.MAX_PIXELS
MAX_PAGES = 10
MAX_SIDE = 2000
PAGE_BUDGET = 350 * 1024
MAX_SKEW_DEG = 15.0


class DocumentType(StrEnum):
    BIRTH_CERTIFICATE = "birth_certificate"
    RESIDENCE_PAPER = "residence_paper"
    OLD_ID_CARD = "old_id_card"
    MARRIAGE_CERTIFICATE = "marriage_certificate"
    COURT_DECISION = "court_decision"
    NAME_CHANGE_DECISION = "name_change_decision"
    NATIONALITY_DECISION = "nationality_decision"
    GUARDIANSHIP_PAPER = "guardianship_paper"
    OTHER = "other"


DOCUMENT_LABELS: dict[DocumentType, tuple[str, str]] = {
    DocumentType.BIRTH_CERTIFICATE: ("Giấy khai sinh", "Birth certificate"),
    DocumentType.RESIDENCE_PAPER: ("Giấy tờ về cư trú", "Residence paper"),
    DocumentType.OLD_ID_CARD: ("CMND/CCCD cũ", "Old ID card"),
    DocumentType.MARRIAGE_CERTIFICATE: ("Giấy chứng nhận kết hôn", "Marriage certificate"),
    DocumentType.COURT_DECISION: ("Quyết định của Tòa án", "Court decision"),
    DocumentType.NAME_CHANGE_DECISION: ("Quyết định thay đổi họ tên", "Name change decision"),
    DocumentType.NATIONALITY_DECISION: ("Quyết định về quốc tịch", "Nationality decision"),
    DocumentType.GUARDIANSHIP_PAPER: ("Giấy tờ về giám hộ", "Guardianship paper"),
    DocumentType.OTHER: ("Giấy tờ khác", "Other paper"),
}


@dataclass(frozen=True)
class Page:
    jpeg: bytes
    width: int
    height: int
    skew_deg: float  # the rotation that was corrected


def _u8(a: object) -> Image:
    """OpenCV's results typed as the 8-bit images they are."""
    return np.asarray(a, dtype=np.uint8)


def _bad(vi: str, en: str) -> ValidationError:
    return ValidationError(f"Giấy tờ: {vi}", f"Document: {en}", field="document")


def document_type(value: object) -> DocumentType:
    try:
        return DocumentType(str(value))
    except ValueError:
        raise _bad(
            f"loại giấy tờ «{value}» không có.", f"unknown document type '{value}'."
        ) from None


def decode(data: bytes) -> list[Image]:
    """The pages of an image or PDF file, as BGR images; a clear refusal for anything else."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise _bad("tệp trống.", "the file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise _bad(
            f"tệp quá lớn ({len(data) // (1024 * 1024)} MB, tối đa 30 MB).",
            f"the file is too large ({len(data) // (1024 * 1024)} MB, at most 30 MB).",
        )
    if bytes(data[:5]) == b"%PDF-":
        return _pdf_pages(bytes(data))
    # The size from the header, before any decoding (a small file can declare a huge image).
    imagecheck.check(
        bytes(data),
        label=("Giấy tờ", "Document"),
        field="document",
        unreadable=(
            "không đọc được (hỏng, hoặc không phải ảnh hay PDF)",
            "cannot be read (damaged, or neither an image nor a PDF)",
        ),
    )
    buf = np.frombuffer(bytes(data), np.uint8)
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if image is None:
        raise _bad("không đọc được ảnh.", "cannot read the image.")
    return [_u8(image)]


def _pdf_pages(data: bytes) -> list[Image]:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise _bad("tệp PDF hỏng hoặc có mật khẩu.", "the PDF is damaged or encrypted.") from None
    try:
        if len(pdf) == 0:
            raise _bad("tệp PDF không có trang nào.", "the PDF has no pages.")
        if len(pdf) > MAX_PAGES:
            raise _bad(
                f"tệp PDF có {len(pdf)} trang, tối đa {MAX_PAGES}.",
                f"the PDF has {len(pdf)} pages, at most {MAX_PAGES}.",
            )
        pages = []
        try:
            for page in pdf:
                width, height = page.get_size()
                scale = MAX_SIDE / max(width, height, 1.0)
                rgb = page.render(scale=scale).to_numpy()
                pages.append(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        except pdfium.PdfiumError:  # a damaged page (found by the fuzz harness)
            raise _bad(
                f"trang {len(pages) + 1} của tệp PDF bị hỏng.",
                f"page {len(pages) + 1} of the PDF is damaged.",
            ) from None
        return pages
    finally:
        pdf.close()


def skew_angle(image: Image) -> float:
    """The angle (degrees, counter-clockwise positive) of the text lines, within ±15°."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    scale = 1000 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15
    )
    # Join the letters of a line into one blob, then read the blobs' orientation.
    joined = cv2.morphologyEx(
        ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 3))
    )
    lines = cv2.HoughLinesP(
        joined, 1, np.pi / 720, threshold=80, minLineLength=small.shape[1] // 4, maxLineGap=10
    )
    if lines is None:
        return 0.0
    angles = []
    for x1, y1, x2, y2 in lines[:, 0]:
        angle = float(np.degrees(np.arctan2(y1 - y2, x2 - x1)))
        if abs(angle) <= MAX_SKEW_DEG:
            angles.append(angle)
    return float(np.median(angles)) if angles else 0.0


def deskew(image: Image) -> tuple[Image, float]:
    angle = skew_angle(image)
    if abs(angle) < 0.3:
        return image, 0.0
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    rotated = cv2.warpAffine(
        image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return _u8(rotated), angle


def to_page(image: Image) -> Page:
    """Deskew, shrink to ``MAX_SIDE`` and encode under ``PAGE_BUDGET``."""
    straight, angle = deskew(image)
    h, w = straight.shape[:2]
    if max(h, w) > MAX_SIDE:
        f = MAX_SIDE / max(h, w)
        straight = _u8(cv2.resize(straight, None, fx=f, fy=f, interpolation=cv2.INTER_AREA))
    for side in (MAX_SIDE, 1600, 1280):
        h, w = straight.shape[:2]
        if max(h, w) > side:
            f = side / max(h, w)
            straight = _u8(cv2.resize(straight, None, fx=f, fy=f, interpolation=cv2.INTER_AREA))
        for quality in (85, 75, 65, 55):
            ok, jpeg = cv2.imencode(".jpg", straight, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok and len(jpeg) <= PAGE_BUDGET:
                h, w = straight.shape[:2]
                return Page(jpeg.tobytes(), w, h, angle)
    raise _bad(
        "trang quá nhiều chi tiết, không nén được dưới giới hạn.",
        "the page cannot be compressed under the size budget.",
    )


def pages_from_file(data: bytes) -> list[Page]:
    return [to_page(img) for img in decode(data)]


class FileDocumentSource:
    """Scans imported from a file (a flatbed scanner's output, a phone photo, a PDF)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.info = DeviceInfo(DeviceKind.DOCUMENT, "file", str(path), path.name, False)

    def acquire(self, prompter: Prompter) -> Acquired:
        data = self.path.read_bytes()
        media = "application/pdf" if data[:5] == b"%PDF-" else "image/*"
        return Acquired(data, media, self.path.name)


class SimulatedDocumentSource:
    """A generated scanned page: lines of "text", slightly rotated, on off-white paper."""

    def __init__(self, seed: int = 0, skew_deg: float = 4.0) -> None:
        self.seed = seed
        self.skew_deg = skew_deg
        self.info = DeviceInfo(
            DeviceKind.DOCUMENT, "simulated", f"sim-doc-{seed}", "Máy quét mô phỏng", True
        )

    def page(self) -> Image:
        rng = np.random.default_rng(self.seed)
        h, w = 1754, 1240  # A4 at 150 dpi
        img = np.full((h, w, 3), 245, np.uint8)
        y = 150
        while y < h - 150:
            x = 120
            while x < w - 160:
                word = int(rng.integers(30, 140))
                cv2.rectangle(img, (x, y), (x + word, y + 18), (40, 40, 40), -1)
                x += word + int(rng.integers(15, 30))
            y += int(rng.integers(40, 60))
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), self.skew_deg, 1.0)
        return _u8(cv2.warpAffine(img, matrix, (w, h), borderValue=(245, 245, 245)))

    def acquire(self, prompter: Prompter) -> Acquired:
        prompter.show("Đặt giấy tờ lên máy quét.", "Place the paper on the scanner.")
        ok, png = cv2.imencode(".png", self.page())
        assert ok
        return Acquired(png.tobytes(), "image/png", f"scan-{self.seed}.png")
