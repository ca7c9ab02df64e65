"""The expanded model: every spec item turned into IR nodes, with names, attributes and an init plan."""

import archdsl.plugin  # noqa: F401  (makes installed plugins' ops visible to archdsl.ops.get_op)
