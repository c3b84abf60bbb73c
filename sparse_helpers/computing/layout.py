"""How an MLP's state dict is laid out: which tensors are weight matrices, in which order."""


def weight_names(state):
    """Names of the weight matrices (not biases) in a state dict, input layer first."""
    names = [name for name, t in state.items() if name.endswith("weight") and t.dim() == 2]
    return sorted(names, key=lambda n: int(n.split(".")[0]) if n.split(".")[0].isdigit() else 0)


def bias_name(weight_name):
    """The bias that belongs to a weight matrix: '2.weight' -> '2.bias'."""
    return weight_name[: -len("weight")] + "bias"


def hidden_sizes(state):
    """The hidden layer sizes of the MLP a state dict belongs to."""
    return tuple(state[name].shape[0] for name in weight_names(state)[:-1])


def layer_label(name, state):
    """A readable label for a weight matrix, e.g. '784x8'."""
    out_features, in_features = state[name].shape
    return f"{in_features}x{out_features}"


def in_layer_order(state):
    """The state dict with keys in layer order ('0.weight', '0.bias', '2.weight', ...)."""
    def key(name):
        """'2.bias' -> (2, True): layer index, then weight before bias."""
        index, _, kind = name.partition(".")
        return (int(index) if index.isdigit() else 0, kind != "weight")
    return {n: state[n] for n in sorted(state, key=key)}
