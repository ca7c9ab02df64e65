"""Plugins: ops (and their lowerings) from outside archdsl, without patching it.

- An installed distribution declares ops in the `archdsl.ops` entry-point group
  (see `archdsl.plugin.entrypoints`); they load when a spec first uses them.
- A spec may name local plugin modules with `plugins: [my_ops]`; they are
  imported only when the user allows it (see `archdsl.plugin.local`).
- A plugin registers each op once with `archdsl.ops.register`, and declares
  per backend the module holding its lowerings with `lowering(backend, module)`;
  a backend imports those modules when it loads its rule table.

The guide is docs/plugins.md.
"""

from archdsl.ops.base import OP_SOURCES, OpSource
from archdsl.plugin.entrypoints import declared, load_all, plugin_ops, provide, refresh
from archdsl.plugin.local import import_plugin, import_spec_plugins
from archdsl.plugin.registry import Plugin, load_lowerings, lowering, lowering_gap, origin

OP_SOURCES.append(OpSource(provide, plugin_ops))  # ops asks for installed plugins' ops through this

__all__ = [
    "Plugin",
    "declared",
    "import_plugin",
    "import_spec_plugins",
    "load_all",
    "load_lowerings",
    "lowering",
    "lowering_gap",
    "origin",
    "plugin_ops",
    "provide",
    "refresh",
]
