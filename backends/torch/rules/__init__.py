"""The torch lowering rules; importing this package fills `backends.torch.table.RULES`."""

from backends.torch.rules import functional, layers, shape  # noqa: F401  (registration side effects)
