#!/usr/bin/env bash
# The project's main job, compose/demo, run against this build (no ensure-deps, no rebuild).
set -euo pipefail
: "${COCOS_SOURCE_DIR:?}" "${COCOS_BUILD_DIR:?}"
COCOS_DEMO_NO_BUILD=1 exec "$COCOS_SOURCE_DIR/compose/demo" "$COCOS_BUILD_DIR"
