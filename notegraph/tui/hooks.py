"""The app's own hook: plugins add command-palette actions.

Kept out of :mod:`notegraph.plugins` so the core never depends on the app; the app adds
this spec to the shared plugin manager when it starts.
"""

from __future__ import annotations

from typing import Any

from notegraph.plugins import PaletteAction, PluginHost, hookspec


class AppSpecs:
    @hookspec
    def palette_actions(self, notebook: Any) -> list[PaletteAction] | None:
        """Actions for the command palette; each ``run`` gets the app."""


def palette_actions(host: PluginHost, notebook: Any) -> list[tuple[str, PaletteAction]]:
    """(plugin name, action) for every plugin's palette actions."""
    caller = getattr(host.manager.hook, "palette_actions", None)
    if caller is None or caller.spec is None:
        host.manager.add_hookspecs(AppSpecs)
    return [(name, action) for name, actions in host.call("palette_actions", notebook=notebook)
            for action in actions]
