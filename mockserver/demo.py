"""The demo credentials of the packaged fixtures (``mockserver/fixtures/default.yaml``), as
public constants for tests and examples. They are fixed: the fixtures pin them, and a
test checks that these names still match the file.
"""

from __future__ import annotations

# API keys (op_live_ keys, bound to one workspace each).
DEMO_KEY = "op_live_demoAllScopesKeyForOnepinMock001"  # Acme, all scopes
READ_ONLY_KEY = "op_live_demoReadOnlyKeyForOnepinMock0002"  # Acme, workflows:read only
SECOND_WORKSPACE_KEY = "op_live_demoSecondWorkspaceKeyOnepin0003"  # Globex

# Workspaces.
DEMO_WORKSPACE_ID = "6ec9a28f-de78-58e7-8616-48891f256dec"  # Acme Voice Studio
SECOND_WORKSPACE_ID = "bb5d5247-2d7a-5b92-b9d9-fb02ccb411fb"  # Globex Localization

# Users, for session tokens (``MockServer.session_token`` or ``POST /__mock/tokens``).
ADMIN_USER_ID = "b11a6feb-8597-5691-a36d-7d425071868e"  # Ada: Acme admin, Globex viewer
EDITOR_USER_ID = "b7745688-e91b-56d9-ad84-384174fb4fb2"  # Eli: Acme editor
VIEWER_USER_ID = "8c0c6193-e2ff-5934-bbe4-8a8d31c3bae5"  # Vera: Acme viewer
SECOND_WORKSPACE_ADMIN_ID = "f3fcc075-8011-57cf-a631-59ff5063c1f6"  # Gus: Globex admin
