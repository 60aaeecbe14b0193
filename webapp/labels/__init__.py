"""Labels of a tenant and the labels on its conversations."""
