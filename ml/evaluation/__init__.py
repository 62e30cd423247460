"""Honest evaluation: walk-forward folds with a gap, scalers fit on the training
fold only, a final untouched hold-out, baselines beside every model."""
