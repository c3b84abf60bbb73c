"""The analysis layer: findings, tables, tests, figures, widgets and prose. It reads results
and never trains; it may import both layers below it."""
