"""Name -> implementation registries for config groups whose options are Python code (data loaders,
model families, training loops).

Each implementation module registers itself with its schema dataclass; the schemas go to Hydra's
ConfigStore under `schema/<group>/<name>` so that YAML files extend them without them showing up
as group options. A registry finds its modules by importing every public module (not a subpackage,
not a name starting with `_`) of its package. `forecast --help` and `--cfg job` do this, so those
modules must stay cheap to import: numpy, pandas, Keras and TensorFlow only inside functions.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable, Dict, List

from forecast_cli.errors import ForecastError


@dataclass(frozen=True)
class Entry:
    name: str
    schema: type
    implementation: Callable[..., Any]


class Registry:
    def __init__(self, group: str, package: str):
        self.group = group
        self.package = package
        self._entries: Dict[str, Entry] = {}
        self._discovered = False

    def register(self, name: str, schema: type) -> Callable[[Callable], Callable]:
        def decorator(implementation: Callable) -> Callable:
            if name in self._entries:
                raise RuntimeError(f"{self.group} '{name}' is registered twice")
            self._entries[name] = Entry(name, schema, implementation)
            return implementation

        return decorator

    def discover(self) -> None:
        if self._discovered:
            return
        package = importlib.import_module(self.package)
        for module in pkgutil.iter_modules(package.__path__):
            if not module.ispkg and not module.name.startswith("_"):
                importlib.import_module(f"{self.package}.{module.name}")
        self._discovered = True

    def names(self) -> List[str]:
        self.discover()
        return sorted(self._entries)

    def get(self, name: str) -> Entry:
        self.discover()
        if name not in self._entries:
            raise ForecastError(
                f"unknown {self.group} name '{name}': choose one of {', '.join(self.names())}"
            )
        return self._entries[name]

    def store_schemas(self, config_store: Any) -> None:
        self.discover()
        for entry in self._entries.values():
            config_store.store(group=f"schema/{self.group}", name=entry.name, node=entry.schema)
