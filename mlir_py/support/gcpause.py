"""A context manager shared by the phases that build or walk large IR."""


class gc_paused:
    """Suspend the cyclic garbage collector while building large IR.

    IR is a dense graph of small objects; every collection would re-scan all
    of it, making parsing super-linear. Nothing parsed is garbage until the
    caller drops it, so pausing is safe.
    """

    def __enter__(self):
        import gc
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        import gc
        if self.was_enabled:
            gc.enable()
        return False
