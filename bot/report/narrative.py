"""The report in words, from fixed templates: same data, same text, byte for byte.

A `Narrative` is sections of prose `paragraphs` (which the optional rewrite may reword) and
`bullets` (the facts, with their numbers, never rewritten). Plain language for executives:
it opens with what went well, says "a real change" only for a move beyond last quarter's
usual week-to-week range, and words causes as likely, for the teams to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from analytics.noise import K_MAD
from bot.report.bottlenecks import Bottleneck
from bot.report.build import Report
from bot.report.dora import Figure
from bot.report.recommend import AIM, HORIZON_DAYS, Recommendation
from bot.slack.values import format_value


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[str, ...]
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Narrative:
    title: str
    sections: tuple[Section, ...]
    rewritten: bool = False
    note: str = ""
    """How the text was made: the templates, or the rewrite (and why it was not used)."""

    def paragraphs(self) -> list[str]:
        return [p for s in self.sections for p in s.paragraphs]

    def with_paragraphs(self, texts: list[str], note: str) -> Narrative:
        """The same sections with their paragraphs replaced in order (the rewrite)."""
        it = iter(texts)
        sections = tuple(
            replace(s, paragraphs=tuple(next(it) for _ in s.paragraphs)) for s in self.sections
        )
        return replace(self, sections=sections, rewritten=True, note=note)


def _scope(report: Report) -> str:
    """ "the organisation", or "the group product" in running text."""
    return f"the group {report.group}" if report.group else report.scope.lower()


def amount(f: Figure, value: float | None) -> str:
    return "no figure" if value is None else format_value(value, f.unit)


def change_text(f: Figure) -> str:
    """ "up 24% from 33.0/wk", "down 4% from 31 h", "no figure last quarter"."""
    if f.previous is None:
        return "no figure last quarter to compare with"
    if f.change is None or f.direction is None:
        return f"against {amount(f, f.previous)} last quarter"
    if f.direction == "flat":
        return f"level with last quarter's {amount(f, f.previous)}"
    return f"{f.direction} {abs(f.change):.0%} from {amount(f, f.previous)}"


def verdict(f: Figure) -> str:
    """Better or worse, and whether that is a real change or ordinary week-to-week noise."""
    if f.usual is None:
        return "too few weeks last quarter to tell a real change from noise"
    if not f.beyond_noise:
        return "within last quarter's usual ups and downs"
    word = {True: "a real improvement", False: "a real deterioration", None: "a real change"}[
        f.better
    ]
    return f"{word}: outside last quarter's usual range"


def figure_line(f: Figure) -> str:
    return f"{f.label}: {amount(f, f.value)}, {change_text(f)}; {verdict(f)}."


def _well(report: Report) -> Section:
    main = report.dora[0] if report.dora else None
    bullets = []
    for f in main.figures if main else ():
        if f.better and f.beyond_noise:
            bullets.append(f"{figure_line(f)}")
        elif f.better:
            bullets.append(f"{f.label} improved ({change_text(f)}), {verdict(f)}.")
    bullets += [
        f"{w.team_name}: {w.latest.title}, a lasting shift ({w.persistence})." for w in report.wins
    ]
    if report.quiet_teams:
        bullets.append(
            "No delivery bottleneck was flagged all quarter in "
            + ", ".join(report.quiet_teams)
            + "."
        )
    kept = [g for g in report.goals if g.tally.startswith("missed 0 ")]
    bullets += [f"{g.team_name} kept its goal `{g.text}` every week with a figure." for g in kept]
    opening = (
        f"This is {report.quarter.label} for {_scope(report)} ({len(report.teams)} teams), "
        "starting with what went well."
    )
    if not bullets:
        opening += " No figure improved beyond last quarter's usual range this quarter."
    return Section("well", "What went well", (opening,), tuple(bullets))


def _dora(report: Report) -> Section:
    main = report.dora[0] if report.dora else None
    bullets = tuple(figure_line(f) for f in (main.figures if main else ()))
    others = [s.name for s in report.dora[1:]]
    intro = (
        f"Delivery performance of {_scope(report)} on the four DORA measures, this quarter "
        "against the last. A change is called real only when the quarter's figure lies "
        "outside last quarter's usual week-to-week range; anything inside it is the ordinary "
        "ups and downs of a week."
        + (f" The table has the same for {', '.join(others)}." if others else "")
    )
    return Section("dora", "Delivery performance", (intro,), bullets)


def _impact(b: Bottleneck) -> str:
    parts = []
    if b.pr_days is not None:
        parts.append(f"{b.pr_days:,.0f} PR-days of waiting")
    if b.deploys_short is not None:
        parts.append(f"{b.deploys_short:,.0f} fewer deployments than at last quarter's rate")
    return " and ".join(parts) or "no waiting cost computed"


def _bottlenecks(report: Report) -> Section:
    if not report.bottlenecks:
        return Section(
            "bottlenecks",
            "Where delivery gets stuck",
            ("No delivery bottleneck was flagged at any checkpoint this quarter.",),
        )
    bullets = []
    for i, b in enumerate(report.bottlenecks, start=1):
        teams = ", ".join(b.teams)
        flags = "; ".join(f"{f.team_name} {f.persistence}" for f in b.findings)
        links = "; ".join(ev.label + (f" ({ev.url})" if ev.url else "") for ev in b.evidence[:3])
        bullets.append(
            f"{i}. {b.title} ({teams}): {_impact(b)}. Likely cause: {b.cause}. "
            f"Seen: {flags}. {b.findings[0].latest.title}."
            + (f" Evidence: {links}." if links else "")
        )
    intro = (
        f"The {len(report.bottlenecks)} largest bottlenecks of the quarter, with what they "
        "cost in waiting and in deployments. Causes are likely ones, to confirm with the teams."
    )
    return Section("bottlenecks", "Where delivery gets stuck", (intro,), tuple(bullets))


def _health(report: Report, floor: int) -> Section:
    bullets = tuple(f"{h.team_name}: {h.latest.title} ({h.persistence})." for h in report.health)
    intro = (
        f"Early warnings on team health, for whole teams only (never a person), and only for "
        f"teams of at least {floor} people."
    )
    if not bullets:
        intro += " None this quarter."
    return Section("health", "Early warnings on team health", (intro,), bullets)


def _rec_bullet(i: int, r: Recommendation) -> str:
    low, high = r.gain
    share = (
        f" (+{r.share[0]:.0%} to +{r.share[1]:.0%} of the current deployment frequency)"
        if r.share
        else ""
    )
    return (
        f"{i}. {r.action} Complexity: {r.complexity} Evidence: {' '.join(r.evidence)} "
        f"Expected: +{low:.1f} to +{high:.1f} deployments a week{share} within "
        f"{HORIZON_DAYS} days, if {r.assumption} How it is measured: {r.measure}"
    )


def _recommendations(report: Report) -> Section:
    recs = report.recommendations
    aim = f"+{AIM[0]:.0%} to +{AIM[1]:.0%}"
    if not recs:
        return Section(
            "recommendations",
            "Recommendations",
            (
                f"Aim: raise deployment frequency by {aim} within {HORIZON_DAYS} days. No "
                "bottleneck this quarter has a playbook with the figures to estimate a gain, "
                "so no recommendation is made.",
            ),
        )
    shares = [r.share for r in recs if r.share]
    together = ""
    if shares:
        low, high = sum(s[0] for s in shares), sum(s[1] for s in shares)
        reach = "within or above" if high >= AIM[0] else "below"
        together = f" Together they are estimated at +{low:.0%} to +{high:.0%}, {reach} the aim."
    intro = (
        f"Aim: raise deployment frequency by {aim} within {HORIZON_DAYS} days. "
        f"{len(recs)} recommendation{'s' if len(recs) > 1 else ''}, each derived from a "
        f"bottleneck above, with the gain the quarter's own figures support.{together}"
    )
    bullets = tuple(_rec_bullet(i, r) for i, r in enumerate(recs, start=1))
    return Section("recommendations", "Recommendations", (intro,), bullets)


def _goals(report: Report) -> Section | None:
    if not report.goals:
        return None
    bullets = tuple(f"{g.team_name}: `{g.text}`: {g.tally} ({g.marks})." for g in report.goals)
    return Section(
        "goals", "Team goals", ("How the teams' own goals fared week by week.",), bullets
    )


def _method(report: Report, floor: int) -> Section:
    return Section(
        "method",
        "How this report was made",
        (),
        (
            f"Quarter: {report.quarter.first_day:%Y-%m-%d} to {report.quarter.last_day:%Y-%m-%d} "
            f"({report.tz}); compared with {report.quarter.previous.label}.",
            f"Real change: the quarter's figure outside the median ± {K_MAD:g} × MAD of last "
            "quarter's weekly figures (widened to every week's own value), the digest's test.",
            "Organisation and group figures: deployments a week added up over teams; change "
            "failure rate over all deployments; durations as the median of the teams' figures.",
            "PR-days: one pull request waiting one day (working days where the finding says "
            "so); the waiting beyond what similar teams or the team's own limit would have had.",
            f"Findings: the detectors at {', '.join(report.checkpoints)} (each looks at four "
            "weeks), as each team's digest showed them.",
            f"Team-level figures only; figures built from people's activity need a group of at "
            f"least {floor} people.",
        ),
    )


def narrative(report: Report, *, min_group_size: int) -> Narrative:
    """The report's text from the fixed templates."""
    sections = [
        _well(report),
        _dora(report),
        _bottlenecks(report),
        _health(report, min_group_size),
        _recommendations(report),
    ]
    goals = _goals(report)
    if goals is not None:
        sections.append(goals)
    sections.append(_method(report, min_group_size))
    scope = report.scope if report.group else "Engineering"
    title = f"{scope.capitalize()} quarterly report, {report.quarter.label}"
    return Narrative(title, tuple(sections), note="Written from fixed templates.")
