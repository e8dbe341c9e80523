"""Diagrams as the viewers show them: a copy of the BPMN XML with every name in the page's language.

Element names are written "Vietnamese / English" in the diagrams; lanes are named by role ids (the engine maps
lanes to inboxes by these ids), shown here as the roles' names. The stored diagram is never changed, and the
studio's editor keeps the raw names."""
from __future__ import annotations

from lxml import etree

from engine import glossary

from .i18n import lang, split_name

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=False,
                          encoding="utf-8")  # always UTF-8, whatever the declaration says (as engine/versions.py)


def localized(xml: str | bytes, language: str | None = None) -> bytes:
    """The diagram with names in `language` (the request's language by default)."""
    language = language or lang()
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _PARSER)
    roles = glossary.terms("roles", language)
    for element in root.iter(f"{{{BPMN}}}*"):
        name = element.get("name")
        if name:
            is_lane = etree.QName(element).localname == "lane"
            element.set("name", roles.get(name, name) if is_lane and name in roles else split_name(name, language))
    for text in root.iter(f"{{{BPMN}}}text"):  # text annotations
        if text.text:
            text.text = split_name(text.text, language)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
