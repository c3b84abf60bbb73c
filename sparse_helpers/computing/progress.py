"""Progress bars that leave a clean record: live in JupyterLab, one finished line when saved."""
import time

from tqdm import tqdm as text_tqdm


def in_kernel():
    """True inside a Jupyter kernel (JupyterLab, nbconvert, papermill)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class Progress:
    """A bar of `total` steps; on close, a kernel's bar is replaced by one summary line.

    Notebooks executed by nbconvert or papermill store that line, not the bar's first frame.
    """

    def __init__(self, total, desc, enabled=True):
        self.total, self.desc, self.done, self.start = total, desc, 0, time.perf_counter()
        self.bar = self.handle = None
        if enabled and in_kernel():
            from IPython.display import display
            from tqdm.notebook import tqdm
            self.bar = tqdm(total=total, desc=desc, display=False, leave=False)
            self.handle = display(self.bar.container, display_id=True)
        elif enabled:
            self.bar = text_tqdm(total=total, desc=desc, leave=False)

    def update(self, n=1, **postfix):
        """Advance by n steps, showing postfix values."""
        self.done += n
        if self.bar is not None:
            if postfix:
                self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(n)

    def close(self):
        """Finish the bar; in a kernel, leave '<desc>: done/total in s' in its place."""
        if self.bar is not None:
            self.bar.close()
        if self.handle is not None:
            from IPython.display import Pretty
            seconds = time.perf_counter() - self.start
            self.handle.update(Pretty(f"{self.desc}: {self.done}/{self.total} in {seconds:.0f} s"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
