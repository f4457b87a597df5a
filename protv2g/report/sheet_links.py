"""A worksheet's hyperlinks and relationships as the XML text openpyxl writes for them (#21).

openpyxl writes a sheet's hyperlinks by building one ``hyperlink`` element per link
(``HyperlinkList.to_tree``: each link's attributes read through its descriptors) and its
relationships file by building one ``Relationship`` element per link
(``RelationshipList.to_tree``); the 10,000-bus workbook's Evidence links each of its 7,115 rows
to the Findings, ≈ 0.2 s CPU of its save (py-spy, 2026-12-07). Here both are the same text
made by formatting: :func:`hyperlinks_xml` the ``hyperlinks`` element, written into the sheet
as :mod:`protv2g.report.sheet_writer` writes its plain rows, and :class:`TextRelationships`
the relationships, parsed once into the element openpyxl serialises. The bytes are the same
(``tests/test_report_sheet_writer.py``): the same attributes in the same order (a
hyperlink's ``ref``, then its ``r:id``, the namespace declared on each ``hyperlink`` as lxml
writes openpyxl's elements; a relationship's ``Type``, ``Target``, ``TargetMode``, ``Id``,
those set), escaped as lxml escapes attribute values. A link with a ``location``,
``tooltip`` or ``display`` (none in the report) is left to openpyxl.

Examples
--------
>>> from openpyxl.worksheet.hyperlink import Hyperlink
>>> rels = TextRelationships()
>>> text = hyperlinks_xml([Hyperlink(ref="A2", target="#'Findings'!A2")], rels)
>>> text.endswith(' ref="A2" r:id="rId1"/></hyperlinks>')
True
>>> rels[0].Id
'rId1'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree
from openpyxl.packaging.relationship import Relationship, RelationshipList
from openpyxl.xml.constants import PKG_REL_NS, REL_NS

__all__ = ["ATTRIBUTE_ESCAPES", "TextRelationships", "hyperlinks_xml"]

#: characters lxml writes as references in an attribute value, beside ``&``, ``<``, ``>``
ATTRIBUTE_ESCAPES = {"\"": "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}

#: a relationship's attributes in the order openpyxl writes them (its descriptors' order)
_REL_ATTRS = ("Type", "Target", "TargetMode", "Id")
#: a value holding none of these is written as it is
_ESCAPED = re.compile("[&<>\"\n\r\t]")


def _attr(value: str) -> str:
    return value if _ESCAPED.search(value) is None else escape(value, ATTRIBUTE_ESCAPES)


def hyperlinks_xml(links: Sequence[Any], rels: RelationshipList) -> str | None:
    """The ``hyperlinks`` element openpyxl writes for ``links`` (the sheet's
    ``_hyperlinks``), each link with a ``target`` given its relationship in ``rels`` (as
    ``WorksheetWriter.write_hyperlinks`` does: appended in order, ``link.id`` set to its
    ``Id``); None, and nothing appended, when ``links`` is empty or a link has a
    ``location``, ``tooltip`` or ``display`` (openpyxl writes those)."""
    if not links or any(link.location is not None or link.tooltip is not None
                        or link.display is not None or link.ref is None for link in links):
        return None
    parts = ["<hyperlinks>"]
    head = f'<hyperlink xmlns:r="{REL_NS}" ref="'
    for link in links:
        if link.target:
            rel = Relationship(type="hyperlink", TargetMode="External", Target=link.target)
            rels.append(rel)
            link.id = rel.Id
        rid = f' r:id="{_attr(link.id)}"' if link.id is not None else ""
        parts.append(f'{head}{_attr(link.ref)}"{rid}/>')
    parts.append("</hyperlinks>")
    return "".join(parts)


class TextRelationships(RelationshipList):
    """openpyxl's ``RelationshipList`` whose element is made from text (module docstring):
    the same element, serialised to the same bytes."""

    def to_tree(self) -> Any:
        parts = [f'<Relationships xmlns="{PKG_REL_NS}">']
        for rel in self:
            attrs = "".join(f' {name}="{_attr(value)}"' for name in _REL_ATTRS
                            if (value := getattr(rel, name)) is not None)
            parts.append(f"<Relationship{attrs}/>")
        parts.append("</Relationships>")
        return etree.fromstring("".join(parts))
