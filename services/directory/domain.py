"""The register's rules, as plain functions: parents without cycles, merges, status changes,
pinyin initials and the roll-up of a merged unit's history into its successor."""
from __future__ import annotations

import re
from datetime import date

from services.kit.errors import Conflict, RuleViolation


def initials(*names: str | None) -> str:
    """Pinyin initials of each name, lower case, space-separated ("县教育局" → "xjyj"); letters and
    digits in a name are kept as they are, other characters dropped."""
    from pypinyin import Style, lazy_pinyin

    out = []
    for name in names:
        if name:
            letters = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda text: list(text)))
            out.append(re.sub(r"[^0-9a-z]", "", letters.lower()))
    return " ".join(part for part in out if part)


def check_parent(code: str, parent_code: str | None, parent_status: str | None, parents: dict) -> None:
    """``parent_code`` may be ``code``'s parent: it is registered (``parent_status`` not None),
    active, and ``code`` is not among its ancestors. ``parents`` maps a code to its parent."""
    if parent_code is None:
        return
    if parent_status is None:
        raise RuleViolation(f"parent unit {parent_code} is not in the register", "units.unknown",
                            {"parent_code": ["not in the register of units"]})
    if parent_status != "active":
        raise RuleViolation(f"parent unit {parent_code} is {parent_status}", f"units.{parent_status}",
                            {"parent_code": [f"the unit is {parent_status}"]})
    seen, current = set(), parent_code
    while current is not None and current not in seen:
        if current == code:
            raise RuleViolation("a unit cannot be its own parent, however indirectly", "units.parent_cycle",
                                {"parent_code": ["would make a cycle of parents"]})
        seen.add(current)
        current = parents.get(current)


def check_unique(field: str, taken: bool) -> None:
    if taken:
        raise Conflict(f"a unit with this {field} is already registered", {field: ["already registered"]})


def check_status_change(current: str, target: str, active_children: int) -> None:
    """Abolish (撤销) an active unit, or restore an abolished one; a merged unit stays merged."""
    if current == target:
        return
    if current == "merged":
        raise RuleViolation("a merged unit no longer changes status", "units.merged",
                            {"status": ["the unit was merged"]})
    if target == "abolished" and active_children:
        raise RuleViolation(f"the unit still has {active_children} active unit(s) under it",
                            "units.has_active_children", {"status": ["merge or abolish the units under it first"]})


def check_merge(code: str, status: str, successor_code: str, successor_status: str | None,
                effective_date: date, today: date) -> None:
    if successor_code == code:
        raise RuleViolation("a unit cannot be merged into itself", "units.merge_into_self",
                            {"successor_code": ["is the unit itself"]})
    if status != "active":
        raise RuleViolation(f"unit {code} is {status}", f"units.{status}", {"code": [f"the unit is {status}"]})
    if successor_status is None:
        raise RuleViolation(f"unit {successor_code} is not in the register", "units.unknown",
                            {"successor_code": ["not in the register of units"]})
    if successor_status != "active":
        raise RuleViolation(f"unit {successor_code} is {successor_status}", f"units.{successor_status}",
                            {"successor_code": [f"the unit is {successor_status}"]})
    if effective_date > today:
        raise RuleViolation("a merge is recorded once it has taken effect", "units.merge_in_future",
                            {"effective_date": ["must not be after today"]})


def children_after_merge(code: str, successor_code: str, parent_of_code: str | None,
                         children: list[str], parents: dict) -> dict[str, str | None]:
    """Where units move when ``code`` merges into ``successor_code``: the units under it go under
    the successor; a successor that was itself under it, at any depth, first takes its place
    (the merged unit's own parent), so that no unit ends up under itself."""
    moves = {child: successor_code for child in children if child != successor_code}
    current, seen = parents.get(successor_code), set()
    while current is not None and current not in seen:
        if current == code:
            moves[successor_code] = parent_of_code
            break
        seen.add(current)
        current = parents.get(current)
    return moves


def rolls_up(code: str, merges: list[tuple[str, str]]) -> list[str]:
    """``code`` and every code merged into it, directly or through other merges: the codes whose
    records a report counts under ``code`` when asked to roll history up. ``merges`` are
    (predecessor, successor) pairs."""
    into: dict[str, list[str]] = {}
    for predecessor, successor in merges:
        into.setdefault(successor, []).append(predecessor)
    found, todo = [code], [code]
    while todo:
        for predecessor in sorted(into.get(todo.pop(), ())):
            if predecessor not in found:
                found.append(predecessor)
                todo.append(predecessor)
    return found


def successor_of(code: str, merged_into: dict[str, str]) -> str:
    """The unit ``code``'s history rolls up into today: follow merges to an unmerged unit."""
    seen = {code}
    while code in merged_into and merged_into[code] not in seen:
        code = merged_into[code]
        seen.add(code)
    return code
