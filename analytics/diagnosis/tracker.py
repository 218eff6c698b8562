"""Per work item, the tracker's signs of unclear requirements and of waiting on others.

- reopened: a move out of "done" back to another category (work_item_transitions);
- rescoped: its description, summary or scope changed after work began (the first move into
  "indeterminate"), from `work_item_changes`;
- bounced: it moved back a category (in progress -> to do, done -> anything) at least once,
  or back to a status it had already left (in review -> in progress: the same category);
- blocked: another item is linked as blocking it (`work_item_links` kind "blocks", stored
  from the blocker's side, `other_key` = the blocked item), or it was flagged.

`churn` is reopened or rescoped or bounced: one flag per item, so a factor of two bins.
Pure: frames in, a frame out; `analytics.tracker_loaders` reads them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RANK = {"new": 0, "indeterminate": 1, "done": 2}
SCOPE_FIELDS = ("description", "summary", "scope")


def started_at(transitions: pd.DataFrame) -> pd.Series:
    """item external id -> the first move into "indeterminate" (work began)."""
    t = transitions[transitions["to_category"].astype(str).str.lower() == "indeterminate"]
    return t.groupby("item_external_id")["at"].min()


def returned(transitions: pd.DataFrame) -> set[str]:
    """Items that moved to a status they had already left (whatever its category)."""
    if transitions.empty or "to_status" not in transitions:
        return set()
    tr = transitions.sort_values(["item_external_id", "at"], kind="stable")
    out: set[str] = set()
    for item, g in tr.groupby("item_external_id", sort=False):
        left: set[str] = set()
        for src, dst in zip(g["from_status"], g["to_status"], strict=True):
            if isinstance(src, str):
                left.add(src)
            if dst in left:
                out.add(str(item))
                break
    return out


def item_flags(
    items: pd.DataFrame,
    transitions: pd.DataFrame,
    changes: pd.DataFrame,
    links: pd.DataFrame,
) -> pd.DataFrame:
    """One row per item of `items` (key, external_id): reopened, rescoped, bounced, blocked,
    churn (booleans)."""
    ids = items["external_id"].astype(str)
    out = pd.DataFrame({"key": items["key"].astype(str).to_numpy(), "external_id": ids.to_numpy()})
    tr = transitions.copy()
    src = tr["from_category"].astype(str).str.lower().map(RANK)
    dst = tr["to_category"].astype(str).str.lower().map(RANK)
    back = (src > dst).fillna(False).astype(bool)
    reopen = (src == RANK["done"]) & (dst < RANK["done"])
    reopened_ids = set(tr.loc[reopen.fillna(False).astype(bool), "item_external_id"])
    bounced_ids = set(tr.loc[back, "item_external_id"]) | returned(tr)
    start = started_at(transitions)
    ch = changes[changes["field"].isin(SCOPE_FIELDS)]
    began = ch["item_external_id"].map(start)
    late = ch[began.notna() & (ch["at"] > began)]
    rescoped_ids = set(late["item_external_id"])
    blocked_keys = set(links.loc[links["kind"].astype(str).str.lower() == "blocks", "other_key"])
    flagged = changes[(changes["field"] == "flag") & (changes["value"].astype(str) == "on")]
    flagged_ids = set(flagged["item_external_id"])
    out["reopened"] = out["external_id"].isin(reopened_ids)
    out["rescoped"] = out["external_id"].isin(rescoped_ids)
    out["bounced"] = out["external_id"].isin(bounced_ids)
    out["blocked"] = out["key"].isin(blocked_keys) | out["external_id"].isin(flagged_ids)
    out["churn"] = out["reopened"] | out["rescoped"] | out["bounced"]
    return out


def item_table(items: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Cycle-time items (ref = the item's key) with the tracker's factors as 0/1 floats."""
    out = items.reset_index(drop=True).copy()
    f = flags.drop_duplicates("key").set_index("key")
    for col in ("reopened", "rescoped", "bounced", "blocked", "churn"):
        mapped = out["ref"].map(f[col]) if len(f) else pd.Series(np.nan, index=out.index)
        out[col] = mapped.astype("float64").fillna(0.0)
    return out
