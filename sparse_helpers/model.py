"""The 784-8-4-10 ReLU MLP of the post, its weights counted and snapshotted."""
import torch
from torch import nn

N_INPUTS, N_CLASSES = 784, 10


def make_mlp(hidden=(8, 4), seed=0):
    """A 784-hidden...-10 ReLU MLP whose initial weights depend only on seed."""
    if not hidden or any(int(h) != h or h < 1 for h in hidden):
        raise ValueError(f"hidden must be a non-empty sequence of positive ints, got {hidden!r}")
    sizes = (N_INPUTS, *hidden, N_CLASSES)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def weight_names(state):
    """Names of the weight matrices (not biases) in a state dict, input layer first."""
    return [name for name, t in state.items() if name.endswith("weight") and t.dim() == 2]


def hidden_sizes(state):
    """The hidden layer sizes of the MLP a state dict belongs to."""
    return tuple(state[name].shape[0] for name in weight_names(state)[:-1])


def snapshot(model):
    """A detached copy of the model's parameters (e.g. theta0), on the CPU."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def load_state(state, device="cpu"):
    """A fresh MLP holding the given parameters."""
    model = make_mlp(hidden_sizes(state))
    model.load_state_dict(state)
    return model.to(device)


def layer_label(name, state):
    """A readable label for a weight matrix, e.g. '784x8'."""
    out_features, in_features = state[name].shape
    return f"{in_features}x{out_features}"


def weight_counts(model_or_state):
    """Weights per layer as {'784x8': 6272, ...}; biases are not counted."""
    state = model_or_state if isinstance(model_or_state, dict) else snapshot(model_or_state)
    return {layer_label(n, state): state[n].numel() for n in weight_names(state)}


def bias_count(model_or_state):
    """The number of bias parameters, which the post leaves out of its weight count."""
    state = model_or_state if isinstance(model_or_state, dict) else snapshot(model_or_state)
    return sum(t.numel() for n, t in state.items() if n.endswith("bias"))


def all_weights(state):
    """Every weight (not bias) flattened into one vector."""
    return torch.cat([state[n].flatten() for n in weight_names(state)])


def default_device():
    """'cuda' when a GPU is present, else 'cpu'."""
    return "cuda" if torch.cuda.is_available() else "cpu"
