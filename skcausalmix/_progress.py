"""Progress bars for long fits (tqdm), shown only when asked for with ``verbose``."""


def progress_bar(total, verbose, desc, unit="step"):
    """A tqdm bar on stderr, or None when ``verbose`` is falsy."""
    if not verbose:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit)
