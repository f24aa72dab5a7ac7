"""`hydra/sweeper=optuna`: an Optuna search over Hydra's sweep syntax (optuna_sweeper.py).

Hydra imports every module of `hydra_plugins` at each start (`forecast --help` included): modules
here import neither Optuna nor TensorFlow at the top; the search itself is forecast_cli/search/.
"""
