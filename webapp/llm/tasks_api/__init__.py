"""HTTP edge of the conversation_scoring and action_extraction features (webapp.llm.tasks)."""
