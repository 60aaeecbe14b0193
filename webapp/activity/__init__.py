"""The team activity timeline: what members did (sign-ins, assignments, moves, comments)."""
