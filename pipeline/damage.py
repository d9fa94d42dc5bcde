"""What a damaged or odd workbook's read failure means: exception → problem code + message.

openpyxl and zipfile fail in many ways on files from home-made exporters, zip tools or
hostile senders. Each way staff can act on gets its own code and an Indonesian sentence
saying what to do: malformed XML in a part, an XML declaration naming an unknown encoding,
zip entries that are encrypted or compressed with a method zipfile cannot read, corrupt
compressed data, absurd style or number-format ids. Anything else is "berkas-rusak".
The messages are in the catalogue (`pipeline/codes.py`).
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from lxml import etree

from pipeline.codes import Code

# What openpyxl and zipfile raise on damaged or hostile parts. LookupError covers KeyError,
# IndexError and an unknown encoding; RuntimeError an encrypted entry (and RecursionError).
READ_ERRORS = (DefusedXmlException, ElementTree.ParseError, etree.LxmlError, zipfile.BadZipFile,
               zlib.error, lzma.LZMAError, LookupError, ValueError, TypeError, AttributeError,
               EOFError, OSError, OverflowError, RuntimeError, NotImplementedError)
STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/spreadsheetml/main"

def diagnose(exc: BaseException) -> Code:
    """The problem code for a read failure (the first cause in the chain that tells)."""
    seen: BaseException | None = exc
    while seen is not None:
        code = _code_of(seen)
        if code:
            return Code(code)
        seen = seen.__cause__ or seen.__context__
    return Code.berkas_rusak


def _code_of(exc: BaseException) -> str | None:
    """The specific code of one exception, or None when it says nothing specific."""
    text = str(exc).lower()
    if isinstance(exc, DefusedXmlException):
        return "xml-berbahaya"
    if isinstance(exc, etree.XMLSyntaxError | ElementTree.ParseError):
        return "pengodean-tidak-dikenal" if "encoding" in text else "xml-rusak"
    if type(exc) is LookupError or (isinstance(exc, ValueError) and "encoding" in text):
        return "pengodean-tidak-dikenal"  # "unknown encoding: …" (KeyError is a LookupError)
    if isinstance(exc, RuntimeError) and ("encrypted" in text or "password" in text):
        return "zip-bersandi"
    if isinstance(exc, NotImplementedError):
        return "zip-bersandi" if "encryption" in text else "kompresi-tidak-didukung"
    if isinstance(exc, lzma.LZMAError | zlib.error) or (isinstance(exc, zipfile.BadZipFile)
                                                        and "crc" in text):
        return "isi-rusak"
    if isinstance(exc, OverflowError) or (isinstance(exc, IndexError) and "cannot fit" in text):
        return "gaya-sel-rusak"  # an id too large for openpyxl's style arrays or lists
    return None


def is_strict(data: bytes) -> bool:
    """True for an Excel "Strict Open XML" workbook (other namespaces; openpyxl sees no sheet)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("xl/workbook.xml") as part:
        return STRICT_NAMESPACE in part.read(4096)
