"""The interface every subcommand implements, and the path every Hydra-based one shares:
rewrite the arguments, compose and validate every job (the precheck), then hand over to Hydra."""

import sys
from typing import Any, Callable, List, Protocol

from omegaconf import OmegaConf

from forecast_cli.commands.help import register_help_resolver
from forecast_cli.commands.precheck import check_overrides, prints_job_config_only
from forecast_cli.config_store import register_schemas, store_command_schema


class Command(Protocol):
    """`forecast <name> ARGS...`. The command's module, listed in `commands.COMMANDS`, exposes one
    instance as `COMMAND`. A ForecastError raised by `run` is reported by the CLI as one line on
    stderr with exit status 2 (the traceback only with HYDRA_FULL_ERROR=1)."""

    def run(self, args: List[str]) -> int:
        """Run with the arguments after the command's name; return the exit status."""

    def complete(self, args: List[str]) -> int:
        """Answer a shell-completion query (`-sc query=bash`; COMP_LINE holds the words after the
        command's name); return the exit status."""


class HydraCommand:
    """A command whose configuration is `conf/<config_name>.yaml`, validated against `schema` before
    Hydra runs `main` (the command's `@hydra.main` function)."""

    config_name: str
    # what the one-line error adds after a config mistake
    hint: str

    def __init__(self, schema: type, main: Callable[[], Any]):
        register_schemas()
        register_help_resolver()
        store_command_schema(self.config_name, schema)
        self.main = main

    def rewrite_args(self, args: List[str]) -> List[str]:
        """The command line Hydra and the precheck see (default: as given)."""
        return args

    def validate(self, cfg) -> None:
        """Checks of one composed job that need no TensorFlow; raise ForecastError (default: the schemas')."""
        OmegaConf.to_object(cfg)

    def launch_args(self, args: List[str], composed: list) -> List[str]:
        """Last changes once every job composed (`composed`: their configs; empty if Hydra checks them)."""
        return args

    def run(self, args: List[str]) -> int:
        args = self.rewrite_args(args)
        composed = check_overrides(self.config_name, args, self.validate, self.hint)
        if composed and prints_job_config_only(args):
            # Hydra would compose the same config a second time only to print it (tested identical)
            sys.stdout.write(OmegaConf.to_yaml(composed[0]))
            return 0
        return self.launch(self.launch_args(args, composed))

    def complete(self, args: List[str]) -> int:
        return self.launch(args)

    def launch(self, args: List[str]) -> int:
        sys.argv = [sys.argv[0], *args]
        self.main()
        return 0


class PlainCommand:
    """A command that composes no config (its arguments are paths and flags): nothing to complete."""

    def complete(self, args: List[str]) -> int:
        return 0
