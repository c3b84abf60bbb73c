"""The computing layer: data, the model, training and pruning. It imports nothing above it."""
