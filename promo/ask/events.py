"""Calendar files for promotion events (去哪招): one all-day VEVENT per event (RFC 5545)."""

from __future__ import annotations

import datetime as dt


def _escape(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (continuation lines start with a space)."""
    out, cur = [], b""
    for ch in line:
        b = ch.encode()
        if len(cur) + len(b) > 73:
            out.append(cur.decode())
            cur = b" "
        cur += b
    out.append(cur.decode())
    return "\r\n".join(out)


def event_ics(event, dtstamp: dt.datetime) -> bytes:
    end = (event.end or event.start) + dt.timedelta(days=1)      # DTEND of an all-day event is exclusive
    desc = "；".join(x for x in (event.notes, "我方参加：" + "、".join(event.attendees) if event.attendees else None,
                                None if event.confirmed else "日期待主办方确认") if x)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//heihe-promo//events//ZH", "CALSCALE:GREGORIAN",
             "BEGIN:VEVENT", f"UID:{event.id}@heihe-promo",
             f"DTSTAMP:{dtstamp.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}",
             f"DTSTART;VALUE=DATE:{event.start.strftime('%Y%m%d')}", f"DTEND;VALUE=DATE:{end.strftime('%Y%m%d')}",
             f"SUMMARY:{_escape(event.name)}"]
    if event.city:
        lines.append(f"LOCATION:{_escape(event.city)}")
    if desc:
        lines.append(f"DESCRIPTION:{_escape(desc)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(x) for x in lines) + "\r\n").encode()


# ---------------------------------------------------------------------- weekly digest

DIGEST_NS = "event_digest"          # KVStore namespace: user id → {"since": ISO date}


class EventDigests:
    """Officers who subscribed to the weekly digest of the coming month's events."""

    def __init__(self, kv) -> None:
        self.kv = kv

    def subscribed(self, user_id: int) -> bool:
        return self.kv.get(DIGEST_NS, str(user_id)) is not None

    def toggle(self, user_id: int, now: dt.datetime) -> bool:
        """Subscribe, or unsubscribe when subscribed; returns the new state."""
        if self.subscribed(user_id):
            self.kv.delete(DIGEST_NS, str(user_id))
            return False
        self.kv.set(DIGEST_NS, str(user_id), {"since": now.date().isoformat()}, now=now)
        return True

    def subscribers(self) -> list[int]:
        return sorted(int(k) for k in self.kv.all(DIGEST_NS))


def coming_month(lib, today: dt.date, days: int = 31) -> list:
    """Events that start or run within the coming `days` days, by date."""
    end = today + dt.timedelta(days=days)
    return sorted((e for e in lib.lists.get("events", []) if (e.end or e.start) >= today and e.start <= end),
                  key=lambda e: e.start)
