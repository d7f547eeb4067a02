"""The all-in-one scenarios, selectable per stack: catalog, selection checks and pure renderers."""
from .calc import check_calc_log, expected_calc_results
from .catalog import CATALOG, Scenario
from .commands import scenario_commands
from .images import ScenarioError, image_name, rewrite_image
from .selection import validate_selection

__all__ = ["CATALOG", "Scenario", "ScenarioError", "check_calc_log", "expected_calc_results", "image_name",
           "rewrite_image", "scenario_commands", "validate_selection"]
