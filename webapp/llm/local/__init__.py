"""The built-in `local` provider: an offline, keyless heuristic analyser."""
