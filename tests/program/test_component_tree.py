"""The program under mocks, per stack: every resource is a child of one of the project's components
(components give their children parent=self), and only components sit at the stack's top."""
from __future__ import annotations

import pytest

from tests.harness import run

STACKS = ("dev", "cpu-only", "external", "external-gpu", "external-prebuilt")


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_is_a_child_of_a_project_component(stack):
    r = run(stack)
    project_components = {x.urn for x in r.registrations if x.type.startswith("openkasugai-aio:")}
    loose = [(x.name, x.type) for x in r.registrations
             if not x.type.startswith("openkasugai-aio:") and x.parent not in project_components]
    assert project_components and not loose, loose


@pytest.mark.parametrize("stack", STACKS)
def test_only_components_sit_at_the_top_of_the_stack(stack):
    r = run(stack)
    top = [x for x in r.registrations if "::pulumi:pulumi:Stack::" in x.parent]
    assert top and all(x.type.startswith("openkasugai-aio:") for x in top), [(x.name, x.type) for x in top]
