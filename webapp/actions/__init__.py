"""Action items on the kanban: proposed by the analysis or written by people, with comments."""
