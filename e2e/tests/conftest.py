"""Fixtures of the e2e tier: the built toolchain (skip outside CI when absent, fail under CI)."""
from __future__ import annotations

import os

import pytest

from e2e.toolchain import Toolchain, ToolchainError, locate


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    try:
        chain = locate()
        why = "" if chain.complete() else f"the e2e toolchain is not built at {chain.home}"
    except ToolchainError as err:
        chain, why = None, str(err)
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}: run e2e/toolchain/build")
        pytest.skip(f"{why}: run e2e/toolchain/build")
    return chain
