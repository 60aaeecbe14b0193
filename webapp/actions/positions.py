"""Order within a kanban column: a position is a sort key; a move names the target index.

A moved item gets the midpoint of its new neighbours' positions (one row written); when two
neighbours leave no room (after many moves to the same spot) the column is spread out again.
"""

from __future__ import annotations

from webapp.db.pool import Conn
from webapp.db.queries import load

Q = load(__file__)
GAP = 1024.0


NO_ROOM = float("nan")


def _between(conn: Conn, item_id: int, status: str, index: int) -> float | None:
    """The midpoint at the index, None past the end, NO_ROOM when the neighbours touch."""
    rows = conn.execute(Q.column_neighbours,
                        {"id": item_id, "status": status, "index": index}).fetchall()
    positions = [float(r["position"]) for r in rows]
    if index == 0:
        return positions[0] - GAP if positions else None
    if not positions:
        return None
    if len(positions) == 1:
        return positions[0] + GAP
    before, after = positions
    middle = (before + after) / 2
    return middle if before < middle < after else NO_ROOM


def position_at(conn: Conn, item_id: int, status: str, index: int) -> float:
    """The position that puts the item at `index` (0-based) of the column, the item itself
    left out; an index past the end puts it last."""
    pos = _between(conn, item_id, status, index)
    if pos is not None and pos != pos:  # NO_ROOM (NaN): spread the column out first
        conn.execute(Q.renumber_column, {"status": status})
        pos = _between(conn, item_id, status, index)
    if pos is None or pos != pos:
        row = conn.execute(Q.column_end, {"id": item_id, "status": status}).fetchone()
        pos = float(row["position"]) if row else GAP
    return pos
