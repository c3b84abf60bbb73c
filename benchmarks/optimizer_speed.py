"""The optimizer step on the stacked tensors: torch.optim.Adam(fused=True) against the private
kernel behind it (torch._fused_adam_) called directly, and SGD with momentum, in one run.

The series uses the public API; this shows what the private call would save. Prints the median
time of one step (gradients ready) and of one training epoch at the K notebook 04 uses.
Run: .venv/bin/python benchmarks/optimizer_speed.py
"""
import statistics
import time

import torch
import torch.nn.functional as F

import sparse_helpers as sh
from sparse_helpers.stack import stack_states, stacked_logits
from sparse_helpers.train import make_optimizer, num_threads

K, STEPS = 30, 200


class PrivateAdam:
    """Adam as one call of torch._fused_adam_, without torch.optim's per-step bookkeeping."""

    def __init__(self, tensors, lr):
        self.tensors, self.lr = tensors, lr
        self.m = [torch.zeros_like(t) for t in tensors]
        self.v = [torch.zeros_like(t) for t in tensors]
        self.steps = [torch.zeros((), dtype=torch.float32) for _ in tensors]

    def zero_grad(self, set_to_none=True):
        for t in self.tensors:
            t.grad = None

    @torch.no_grad()
    def step(self):
        torch._foreach_add_(self.steps, 1)
        torch._fused_adam_(self.tensors, [t.grad for t in self.tensors], self.m, self.v, [],
                           self.steps, lr=self.lr, beta1=0.9, beta2=0.999, weight_decay=0.0,
                           eps=1e-8, amsgrad=False, maximize=False)


def timings(data, make):
    """(median seconds of one optimizer step, seconds of STEPS training steps)."""
    tensors = [t.requires_grad_() for t in stack_states([sh.theta0(s) for s in range(K)])]
    opt = make(tensors)
    idx = torch.randperm(len(data.train_x), generator=torch.Generator().manual_seed(0))
    step_times, start = [], time.perf_counter()
    for b in idx[: STEPS * 128].split(128):
        loss = F.cross_entropy(stacked_logits(tensors, data.train_x[b]), data.train_y[b].expand(K, -1)) * K
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t = time.perf_counter()
        opt.step()
        step_times.append(time.perf_counter() - t)
    return statistics.median(step_times), time.perf_counter() - start


def main():
    data = sh.load_fashion_mnist()
    steps_per_epoch = -(-len(data.train_x) // 128)
    rows = {"torch.optim.Adam(fused=True) (used)": lambda t: make_optimizer(t),
            "torch._fused_adam_ called directly": lambda t: PrivateAdam(t, sh.DEFAULTS.lr),
            "torch.optim.SGD(momentum=0.9)": lambda t: make_optimizer(t, sh.Config(optimizer="sgd"))}
    print(f"K = {K} stacked models, batch 128, 1 thread, median over {STEPS} steps")
    with num_threads(1):
        results = {name: min((timings(data, make) for _ in range(3)), key=lambda r: r[1])
                   for name, make in rows.items()}
    base = results["torch.optim.Adam(fused=True) (used)"]
    for name, (step, total) in results.items():
        epoch = total / STEPS * steps_per_epoch
        print(f"  {name:<38} step {1e3 * step:6.3f} ms   epoch {epoch:5.2f} s   "
              f"{100 * (epoch / (base[1] / STEPS * steps_per_epoch) - 1):+5.1f}% vs the public Adam")


if __name__ == "__main__":
    main()
