"""How the app server's Python processes run requests: the garbage collector's settings (issue 7)."""

import gc

# Net allocations of container objects between two young collections; Python's default is 700.
YOUNG_COLLECTION_THRESHOLD = 50_000


def tune_garbage_collector() -> None:
    """Freeze what start-up created and collect young objects less often; call once the app is loaded.

    What start-up created (modules, models, views, settings) lives as long as the process: frozen, it is left out
    of the collector's full passes, which otherwise walk all of it every few heavy requests (on the heavy case
    review those passes made the p95: 225-365 ms with them, 155-170 ms frozen, same median).

    A page's record is a graph of model instances that refer to each other (a patient's lesions, each lesion's
    patient), which only the cyclic collector frees once the response is sent. At Python's default threshold it
    ran some ten times during a heavy case review, each time walking what the request held so far, and one
    request in ten paid a full pass of up to 65 ms. At 50,000 it runs about once per heavy page: the review's
    p95 went from 111-116 to 90-96 ms on one machine, its median unchanged (separate processes, alternated).
    A request's garbage waits at most that many allocations (a few megabytes) to be freed.
    """
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)
