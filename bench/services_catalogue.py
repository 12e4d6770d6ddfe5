"""A synthetic 警快办 catalogue for the benchmark when the demo catalogue is not there.

435 items (the seed's count) with the seed's shapes: most can be handled fully online, a few only
collect at a window, some are window only; 90 % can be completed on the spot; one is the port
visa for tour groups (needs a roster). Used only when ``fazhi.services.catalogue`` is missing.
"""

from __future__ import annotations

import random

from fazhi.services.models import HandlingMode, ServiceCategory, ServiceItem

SEED = 435
CATEGORIES = ("household", "exit_entry", "traffic", "public_order", "cyber")


def ensure_catalogue(count: int = 435) -> int:
    """Load the demo catalogue if the app ships one, else write COUNT synthetic items."""
    if ServiceItem.objects.exists():
        return 0
    try:
        from fazhi.services.catalogue import load_catalogue
    except ImportError:
        pass
    else:
        load_catalogue()
        if ServiceItem.objects.exists():
            return ServiceItem.objects.count()
    rng = random.Random(SEED)
    items = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.88:
            modes = [HandlingMode.ONLINE, HandlingMode.WINDOW]
        elif roll < 0.95:
            modes = [HandlingMode.ONLINE_WINDOW, HandlingMode.WINDOW]
        else:
            modes = [HandlingMode.WINDOW]
        spot = rng.random() < 0.9
        items.append(
            ServiceItem(
                code=f"JKB-B-{n:04d}",
                name=f"基准事项{n:04d}",
                category=CATEGORIES[n % len(CATEGORIES)] if n else ServiceCategory.EXIT_ENTRY,
                basis_text="（基准数据）",
                levels=["station"] if n else ["district"],
                promised_days=0
                if spot and rng.random() < 0.5
                else rng.choice((1, 3, 5, 7, 10, 15, 20)),
                modes=[HandlingMode.ONLINE] if n == 0 else modes,
                on_the_spot=spot and n != 0,
                is_online=modes != [HandlingMode.WINDOW] or n == 0,
                needs_roster=n == 0,
                form=[{"key": "reason", "label": "申请事由", "type": "text"}],
            )
        )
    ServiceItem.objects.bulk_create(items)
    return len(items)
