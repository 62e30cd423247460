"""The three models: ``lstm`` (next-horizon log return and direction), ``cnn``
(pattern classifier), ``iforest`` (pool anomalies); ``train`` fits them."""
