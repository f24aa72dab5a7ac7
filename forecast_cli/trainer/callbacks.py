"""Keras callbacks of our own that a config names as a `_target_` (imported only once training starts)."""

import keras


class EarlyStopping(keras.callbacks.EarlyStopping):
    """Keras EarlyStopping whose patience counts epochs without a *relative* improvement.

    Keras' `min_delta` is absolute, so no one value suits a loss of 0.005 (Jena temperature, scaled)
    and one of 0.5 (ETT, every column). Here an epoch restarts the patience only when it beats the best
    value so far by `min_delta_ratio` of that value (and by `min_delta`); the weights restored at the end
    (`restore_best_weights`) are still those of the best epoch, however small its lead.
    `min_delta_ratio=0` is exactly Keras' rule.
    """

    def __init__(self, *args, min_delta_ratio: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        if not 0.0 <= min_delta_ratio < 1.0:
            raise ValueError(f"min_delta_ratio must be in [0, 1), got {min_delta_ratio}")
        self.min_delta_ratio = float(min_delta_ratio)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        improved = self._is_improvement(current, self.best)
        significant = improved and self._beats_by_ratio(current, self.best)
        if improved:
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
        self.wait += 1
        if significant and (self.baseline is None or self._is_improvement(current, self.baseline)):
            self.wait = 0
        elif self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def _beats_by_ratio(self, current, best) -> bool:
        if best is None:
            return True
        margin = abs(float(best)) * self.min_delta_ratio
        lower_is_better = bool(self.monitor_op(0.0, 1.0))
        return bool(self.monitor_op(current + margin if lower_is_better else current - margin, best))


class EpochDecay(keras.callbacks.Callback):
    """Multiply the learning rate by `factor` every epoch from epoch `first_decayed_epoch` on (1-based).

    Time-Series-Library's `lradj=type1` is factor 0.5 from epoch 3: its rate is set after each epoch for
    the next, and the first update sets the initial rate again, so epochs 1 and 2 train at
    `initial_learning_rate`, epoch 3 at half, epoch 4 at a quarter. The rate is a function of the epoch
    alone, so a resumed run continues the same schedule.

    `first_epoch_factor` scales epoch 1 alone. The PatchTST paper's code builds a PyTorch `OneCycleLR`
    whatever its `lradj`, and building one sets the rate to its starting value, a 25th of the maximum;
    its per-epoch rule first sets the rate after epoch 1. So its epoch 1 trains at
    `initial_learning_rate / 25` (`first_epoch_factor=0.04`), before its `type3` or constant rate.
    """

    def __init__(
        self, initial_learning_rate: float, factor: float = 0.5, first_decayed_epoch: int = 3, first_epoch_factor: float = 1.0
    ):
        super().__init__()
        if not isinstance(initial_learning_rate, (int, float)) or initial_learning_rate <= 0:
            raise ValueError(f"initial_learning_rate must be a number > 0, got {initial_learning_rate!r}")
        if not 0 < factor <= 1 or first_decayed_epoch < 1:
            raise ValueError(f"factor must be in (0, 1] and first_decayed_epoch >= 1, got {factor}, {first_decayed_epoch}")
        if not 0 < first_epoch_factor <= 1:
            raise ValueError(f"first_epoch_factor must be in (0, 1], got {first_epoch_factor}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.factor = float(factor)
        self.first_decayed_epoch = int(first_decayed_epoch)
        self.first_epoch_factor = float(first_epoch_factor)

    def learning_rate(self, epoch: int) -> float:
        """The rate of 0-based `epoch` (Keras' numbering)."""
        rate = self.initial_learning_rate * self.factor ** max(0, epoch + 2 - self.first_decayed_epoch)
        return rate * self.first_epoch_factor if epoch == 0 else rate

    def on_epoch_begin(self, epoch, logs=None):
        self.model.optimizer.learning_rate = self.learning_rate(epoch)
