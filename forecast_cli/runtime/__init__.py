"""Where and how a run computes: TensorFlow imported and configured only when a run needs it (`tf`), the
`strategy` config group (tf.distribute), a multi-worker or TPU run's peers (`cluster`) and the `precision`
policy."""
