"""Marketo's assets as dimension tables: programs and smart campaigns (name, program,
active or archived) and emails (name, subject, HTML), through the asset API.

An asset is *archived* when it, or a folder above it, is archived (``isArchive`` of the
folder tree of Marketing Activities); a smart campaign's program is the program it lies in
(its ``parentProgramId`` when Marketo gives one, else the first program above it).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

import pandas as pd

from campaign_perf.fetch.marketo_api import MarketoAPI, MarketoError

__all__ = ["Tree", "campaigns_table", "email_html", "emails_table", "folder_tree", "programs_table"]

#: (type, id) of a folder or program: ("folder", 12), ("program", 1001).
Ref = tuple[str, int]


class Tree:
    """The folders and programs of Marketing Activities: each one's parent and archive flag."""

    def __init__(self) -> None:
        self.parent: dict[Ref, Ref | None] = {}
        self.archive: dict[Ref, bool] = {}

    def add(self, ref: Ref, parent: Ref | None, archive: bool) -> None:
        self.parent[ref] = parent
        self.archive[ref] = archive

    def chain(self, ref: Ref | None) -> Iterator[Ref]:
        """``ref`` and the folders above it, nearest first."""
        seen: set[Ref] = set()
        while ref is not None and ref not in seen:
            seen.add(ref)
            yield ref
            ref = self.parent.get(ref)

    def archived(self, ref: Ref | None) -> bool:
        return any(self.archive.get(r, False) for r in self.chain(ref))

    def program(self, ref: Ref | None) -> int | None:
        return next((i for kind, i in self.chain(ref) if kind == "program"), None)


def _ref(obj: Any) -> Ref | None:
    """A ``{"id" | "value": 12, "type": "Folder"}`` object as ("folder", 12)."""
    if not isinstance(obj, dict):
        return None
    raw = obj.get("id", obj.get("value"))
    try:
        return (str(obj.get("type", "folder")).lower(), int(str(raw)))
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    out = str(value).strip()
    return out or None


def folder_tree(api: MarketoAPI) -> Tree:
    """The folder tree under Marketing Activities (its archive flags)."""
    tree = Tree()
    roots = api.call(
        "GET",
        "/rest/asset/v1/folder/byName.json",
        what="the Marketing Activities folder",
        params={"name": "Marketing Activities"},
    ).get("result")
    for root in roots or []:
        ref = _ref(root.get("folderId")) or _ref({"id": root.get("id")})
        if ref is None:
            continue
        params = {"root": json.dumps({"id": ref[1], "type": "Folder"}), "maxDepth": 20}
        for f in api.browse("/rest/asset/v1/folders.json", what="the folders", params=params):
            found = _ref(f.get("folderId")) or _ref({"id": f.get("id")})
            if found is not None:
                tree.add(found, _ref(f.get("parent")), bool(f.get("isArchive")))
    return tree


def _status(archived: bool) -> str:
    return "archived" if archived else "active"


def programs_table(api: MarketoAPI, tree: Tree) -> pd.DataFrame:
    """Programs: ``program_id, program, type, channel, status`` (active / archived)."""
    rows = []
    for p in api.browse("/rest/asset/v1/programs.json", what="the programs"):
        ref: Ref = ("program", int(p["id"]))
        if ref not in tree.parent:
            tree.add(ref, _ref(p.get("folder")), False)
        rows.append(
            {
                "program_id": str(p["id"]),
                "program": _text(p.get("name")),
                "type": _text(p.get("type")),
                "channel": _text(p.get("channel")),
                "status": _status(tree.archived(ref)),
            }
        )
    return pd.DataFrame(rows, columns=["program_id", "program", "type", "channel", "status"])


def campaigns_table(api: MarketoAPI, tree: Tree, programs: pd.DataFrame) -> pd.DataFrame:
    """Smart campaigns: ``campaign_id, campaign_name, program_id, program, status`` (active /
    archived), and Marketo's own ``marketo_status`` and ``type`` (batch / trigger)."""
    names = dict(zip(programs["program_id"], programs["program"], strict=True))
    rows = []
    for c in api.browse("/rest/asset/v1/smartCampaigns.json", what="the smart campaigns"):
        folder = _ref(c.get("folder"))
        program = c.get("parentProgramId") or tree.program(folder)
        program_id = str(program) if program else None
        rows.append(
            {
                "campaign_id": str(c["id"]),
                "campaign_name": _text(c.get("name")),
                "program_id": program_id,
                "program": names.get(program_id) if program_id else None,
                "status": _status(tree.archived(folder)),
                "marketo_status": _text(c.get("status")),
                "type": _text(c.get("type")),
            }
        )
    columns = ["campaign_id", "campaign_name", "program_id", "program", "status"]
    return pd.DataFrame(rows, columns=[*columns, "marketo_status", "type"])


def emails_table(api: MarketoAPI) -> pd.DataFrame:
    """Emails: ``email_id, email_name, subject, status, version, updated_at`` (no HTML)."""
    rows = []
    for e in api.browse("/rest/asset/v1/emails.json", what="the emails"):
        subject = e.get("subject")
        text = (
            subject.get("value")
            if isinstance(subject, dict) and subject.get("type") == "Text"
            else None
        )
        rows.append(
            {
                "email_id": str(e["id"]),
                "email_name": _text(e.get("name")),
                "subject": _text(text),
                "status": _text(e.get("status")),
                "version": _text(e.get("version")),
                "updated_at": _text(e.get("updatedAt")),
            }
        )
    columns = ["email_id", "email_name", "subject", "status", "version", "updated_at"]
    return pd.DataFrame(rows, columns=columns)


def email_html(api: MarketoAPI, email_id: str, version: str | None) -> str | None:
    """The HTML of an email: its full content (emails of version 1), else its editable
    sections put together; None when Marketo has none to give (7xx, e.g. predictive
    content)."""
    what = f"the HTML of email {email_id}"
    if version != "2":
        try:
            doc = api.call(
                "GET",
                f"/rest/asset/v1/email/{email_id}/fullContent.json",
                what=what,
                params={"type": "HTML"},
            )
        except MarketoError as exc:
            if not exc.code.startswith("7"):
                raise
        else:
            result = doc.get("result") or [{}]
            content = result[0].get("content") if isinstance(result[0], dict) else None
            if content:
                return str(content)
    try:
        doc = api.call("GET", f"/rest/asset/v1/email/{email_id}/content.json", what=what)
    except MarketoError as exc:
        if exc.code.startswith("7"):
            return None
        raise
    return _assemble(doc.get("result") or [])


def _assemble(sections: list[Any]) -> str | None:
    """One HTML document of an email's editable sections (their HTML values, in order)."""
    parts = []
    for section in sections:
        if not isinstance(section, dict):
            continue
        value = section.get("value")
        body = None
        if isinstance(value, list):
            body = next(
                (v.get("value") for v in value if isinstance(v, dict) and v.get("type") == "HTML"),
                None,
            )
        elif isinstance(value, str) and section.get("contentType") in ("Text", "HTML", None):
            body = value
        if body:
            ident = html.escape(str(section.get("htmlId", "")))
            parts.append(f'<div id="{ident}">{body}</div>')
    if not parts:
        return None
    body = "\n".join(parts)
    head = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>'
    return f"{head}\n{body}\n</body></html>\n"
