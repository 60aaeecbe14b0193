"""What the product asks of models: importance, summaries, scoring, actions, the queue."""
