"""Travel minutes re-derived from the README's rule (great circle × 1.3, town speed for the first
10 km, the road table between towns, 10 minutes per stop, rounded up)."""

from __future__ import annotations

import math

KM_FACTOR, TOWN_SPEED, ROAD_SPEED, TOWN_STRETCH, STOP_OVERHEAD = 1.3, 30.0, 60.0, 10.0, 10


def km(lat1, lon1, lat2, lon2) -> float:
    r = 6371.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * r * math.asin(min(1.0, math.sqrt(h)))


def drive(distance_km: float) -> float:
    road_km = distance_km * KM_FACTOR
    slow = min(road_km, TOWN_STRETCH)
    return slow / TOWN_SPEED * 60 + (road_km - slow) / ROAD_SPEED * 60


class Roads:
    """All-pairs shortest road minutes between towns (Floyd–Warshall)."""

    def __init__(self, roads):
        towns = sorted({r.a for r in roads} | {r.b for r in roads})
        inf = float("inf")
        dist = {a: {b: (0 if a == b else inf) for b in towns} for a in towns}
        for r in roads:
            dist[r.a][r.b] = min(dist[r.a][r.b], r.minutes)
            dist[r.b][r.a] = min(dist[r.b][r.a], r.minutes)
        for k in towns:
            for i in towns:
                dik = dist[i][k]
                if dik == inf:
                    continue
                for j in towns:
                    dist[i][j] = min(dist[i][j], dik + dist[k][j])
        self.dist = dist

    def get(self, a, b):
        if a == b:
            return 0
        d = self.dist.get(a, {}).get(b, float("inf"))
        return None if d == float("inf") else d


def travel_minutes(a: str, b: str, where: dict, centre: dict, roads: Roads) -> int:
    if a == b:
        return 0
    a, b = sorted((a, b))
    (la, lo_a, ta), (lb, lo_b, tb) = where[a], where[b]
    if ta == tb:
        total = STOP_OVERHEAD + drive(km(la, lo_a, lb, lo_b))
    elif roads.get(ta, tb) is not None:
        access_a = drive(km(la, lo_a, *centre[ta]))
        access_b = drive(km(lb, lo_b, *centre[tb]))
        total = STOP_OVERHEAD + access_a + roads.get(ta, tb) + access_b
    else:
        total = STOP_OVERHEAD + km(la, lo_a, lb, lo_b) * KM_FACTOR / ROAD_SPEED * 60
    return math.ceil(total - 1e-9)
