"""Driving minutes between any two points of the tour lists (the planner's travel model).

The rule (documented in lists/tour/README.md, re-implemented independently in check.py):

* same point: 0 minutes;
* both points in the same town: FIXED + local(great-circle km);
* different towns joined by the road table (shortest path over it): FIXED + access(a) +
  road minutes + access(b), where access(p) = local(km from p to its town centre);
* towns the table does not join: FIXED + great-circle km × ROAD_FACTOR at COUNTY_KMH;
* local(km) = road km (= km × ROAD_FACTOR): the first TOWN_KM at TOWN_KMH, the rest at COUNTY_KMH;
* the total, summed in this order for the pair of ids in sorted order, is rounded up to whole
  minutes.
"""

from __future__ import annotations

import heapq
import math

from promo.tour.models import great_circle_km

ROAD_FACTOR = 1.3     # road km per great-circle km
TOWN_KMH = 30.0       # average speed in town
COUNTY_KMH = 60.0     # average speed on county roads
TOWN_KM = 10.0        # road km driven at town speed before county speed applies
FIXED_MINUTES = 10    # parking, boarding, walking to the door


def local_minutes(gc_km: float) -> float:
    road = gc_km * ROAD_FACTOR
    town = min(road, TOWN_KM)
    return town / TOWN_KMH * 60 + (road - town) / COUNTY_KMH * 60


class TravelModel:
    """Minutes between point ids (sites and venues), memoised."""

    def __init__(self, points: dict[str, tuple[float, float, str]],
                 towns: dict[str, tuple[float, float]], roads: list):
        self.points = points          # id → (lat, lon, town id)
        self.towns = towns            # town id → (lat, lon)
        self._memo: dict[tuple[str, str], int] = {}
        self._access: dict[str, float] = {}
        graph: dict[str, list[tuple[str, int]]] = {}
        for r in roads:
            graph.setdefault(r.a, []).append((r.b, r.minutes))
            graph.setdefault(r.b, []).append((r.a, r.minutes))
        self._paths = {t: self._dijkstra(graph, t) for t in sorted(graph)}

    @staticmethod
    def _dijkstra(graph, source: str) -> dict[str, int]:
        best = {source: 0}
        heap = [(0, source)]
        while heap:
            d, town = heapq.heappop(heap)
            if d > best.get(town, math.inf):
                continue
            for nxt, minutes in graph.get(town, ()):
                nd = d + minutes
                if nd < best.get(nxt, math.inf):
                    best[nxt] = nd
                    heapq.heappush(heap, (nd, nxt))
        return best

    def road_minutes(self, town_a: str, town_b: str) -> int | None:
        if town_a == town_b:
            return 0
        return self._paths.get(town_a, {}).get(town_b)

    def access(self, pid: str) -> float:
        if pid not in self._access:
            lat, lon, town = self.points[pid]
            tlat, tlon = self.towns[town]
            self._access[pid] = local_minutes(great_circle_km(lat, lon, tlat, tlon))
        return self._access[pid]

    def minutes(self, a: str, b: str) -> int:
        if a == b:
            return 0
        if a > b:            # one direction, so that both directions round the same way
            a, b = b, a
        key = (a, b)
        if key in self._memo:
            return self._memo[key]
        la, loa, ta = self.points[a]
        lb, lob, tb = self.points[b]
        if ta == tb:
            total = FIXED_MINUTES + local_minutes(great_circle_km(la, loa, lb, lob))
        else:
            road = self.road_minutes(ta, tb)
            if road is not None:
                total = FIXED_MINUTES + self.access(a) + road + self.access(b)
            else:
                total = FIXED_MINUTES + great_circle_km(la, loa, lb, lob) * ROAD_FACTOR / COUNTY_KMH * 60
        value = math.ceil(total - 1e-9)
        self._memo[key] = value
        return value
